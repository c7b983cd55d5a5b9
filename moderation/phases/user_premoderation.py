"""Hold every comment of an author a moderator put under pre-moderation."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def user_premoderation(item: PhaseInput) -> Outcome:
    if not item.author.premoderated:
        return Outcome()
    return Outcome(
        Status.PENDING, (Reason(ReasonCode.USER_PREMODERATED, "the author is pre-moderated"),)
    )
