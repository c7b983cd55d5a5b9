"""Fail closed: a comment the scorer could not judge waits for a person."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def scorer_failure(item: PhaseInput) -> Outcome:
    if item.scorer_error is None:
        return Outcome()
    return Outcome(Status.PENDING, (Reason(ReasonCode.SCORER_UNAVAILABLE, item.scorer_error),))
