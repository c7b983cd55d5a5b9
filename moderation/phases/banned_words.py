"""Reject a comment that contains a word or phrase from the site's banned list."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def banned_words(item: PhaseInput) -> Outcome:
    matches = item.policy.banned_words.find(item.text)
    if not matches:
        return Outcome()
    entries = ", ".join(dict.fromkeys(m.entry for m in matches))
    reason = Reason(
        ReasonCode.BANNED_WORD,
        f"banned: {entries}",
        tuple(m.span for m in matches),
    )
    return Outcome(Status.REJECTED, (reason,))
