"""How a moderator decision becomes a training example."""

from __future__ import annotations

from api.services.learn import (
    CHANGED_WEIGHT,
    CONFIRMED_WEIGHT,
    ModeratorDecision,
    labels_for,
    to_example,
)
from models.tables import APPROVED, PENDING, REJECTED, FeedbackExample
from moderation.learning.examples import LABELS


def test_reject_reasons_map_to_labels() -> None:
    assert labels_for(APPROVED, None) == dict.fromkeys(LABELS, 0)
    assert labels_for(REJECTED, None) == {"toxicity": 1}
    assert labels_for(REJECTED, "Threatening the reporter") == {"toxicity": 1, "threat": 1}
    assert labels_for(REJECTED, "racist slur, and an insult") == {
        "toxicity": 1,
        "identity_attack": 1,
        "insult": 1,
    }
    assert labels_for(REJECTED, "profanity") == {"toxicity": 1, "obscene": 1}
    # Spam says nothing about toxicity: such a decision trains nothing.
    assert labels_for(REJECTED, "spam link") is None


def test_decisions_that_change_the_status_weigh_more_than_confirmations() -> None:
    def example(value: float) -> FeedbackExample:
        return FeedbackExample(text="t", label="toxicity", value=value, source="moderator")

    held = to_example(ModeratorDecision(example(1.0), PENDING, "insult"))
    confirmed = to_example(ModeratorDecision(example(0.0), APPROVED, None))
    caught_late = to_example(ModeratorDecision(example(1.0), APPROVED, None))
    assert held is not None and confirmed is not None and caught_late is not None
    assert held.weight == CHANGED_WEIGHT == caught_late.weight
    assert confirmed.weight == CONFIRMED_WEIGHT < CHANGED_WEIGHT
    assert held.labels == {"toxicity": 1, "insult": 1}
    assert to_example(ModeratorDecision(example(1.0), PENDING, "off-topic")) is None
