"""Hold every comment when the site (or, resolved by the caller, the article) pre-moderates."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def premoderation(item: PhaseInput) -> Outcome:
    if not item.policy.premoderate_all:
        return Outcome()
    return Outcome(
        Status.PENDING, (Reason(ReasonCode.PREMODERATION, "site pre-moderates all comments"),)
    )
