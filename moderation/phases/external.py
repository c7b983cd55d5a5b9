"""The site's external moderation endpoint's verdict (moderation/external.py):
approve adds nothing (the other phases still apply: the most severe status wins),
hold and reject carry the endpoint's reasons, and an endpoint that could not answer
holds the comment for a person (fail closed)."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput

_STATUS = {"hold": Status.PENDING, "reject": Status.REJECTED}


def external(item: PhaseInput) -> Outcome:
    verdict = item.external
    if verdict is None or verdict.action == "approve":
        return Outcome()
    if verdict.action == "unavailable":
        detail = verdict.reasons[0] if verdict.reasons else None
        return Outcome(Status.PENDING, (Reason(ReasonCode.EXTERNAL_UNAVAILABLE, detail),))
    reasons = tuple(Reason(ReasonCode.EXTERNAL, text) for text in verdict.reasons)
    return Outcome(_STATUS[verdict.action], reasons)
