"""Reject a comment that contains a word or phrase from the site's banned list."""

from moderation.decision import Outcome, ReasonCode, Status
from moderation.phases.base import PhaseInput
from moderation.phases.words import word_outcome


def banned_words(item: PhaseInput) -> Outcome:
    return word_outcome(
        item.policy.banned_words, item.text, ReasonCode.BANNED_WORD, Status.REJECTED, "banned"
    )
