"""Hold a comment that contains a word or phrase from the site's suspect list."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def suspect_words(item: PhaseInput) -> Outcome:
    matches = item.policy.suspect_words.find(item.text)
    if not matches:
        return Outcome()
    entries = ", ".join(dict.fromkeys(m.entry for m in matches))
    reason = Reason(
        ReasonCode.SUSPECT_WORD,
        f"suspect: {entries}",
        tuple(m.span for m in matches),
    )
    return Outcome(Status.PENDING, (reason,))
