"""Hold the same text from the same author again within a few minutes."""

from moderation.author import REPEAT_WINDOW, normalise
from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def repeat_post(item: PhaseInput) -> Outcome:
    if not item.author.recent_texts or normalise(item.text) not in item.author.recent_texts:
        return Outcome()
    minutes = int(REPEAT_WINDOW.total_seconds() // 60)
    detail = f"the author posted the same text within {minutes} minutes"
    return Outcome(Status.PENDING, (Reason(ReasonCode.REPEAT_POST, detail),))
