"""Hold a user's first comments when the site asks for it (policy.new_commenter_hold)."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def new_commenter(item: PhaseInput) -> Outcome:
    hold = item.policy.new_commenter_hold
    if hold <= 0 or item.author.comment_count >= hold:
        return Outcome()
    detail = f"comment {item.author.comment_count + 1} of the author's first {hold}"
    return Outcome(Status.PENDING, (Reason(ReasonCode.NEW_COMMENTER, detail),))
