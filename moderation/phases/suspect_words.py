"""Hold a comment that contains a word or phrase from the site's suspect list."""

from moderation.decision import Outcome, ReasonCode, Status
from moderation.phases.base import PhaseInput
from moderation.phases.words import word_outcome


def suspect_words(item: PhaseInput) -> Outcome:
    return word_outcome(
        item.policy.suspect_words, item.text, ReasonCode.SUSPECT_WORD, Status.PENDING, "suspect"
    )
