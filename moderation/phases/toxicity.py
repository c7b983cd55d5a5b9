"""Hold a comment when any scored label reaches its hold threshold."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def toxicity(item: PhaseInput) -> Outcome:
    if not item.scores:
        return Outcome()
    reasons = tuple(
        Reason(
            ReasonCode.TOXICITY,
            f"{label} {score:.2f} ≥ {item.policy.threshold_for(label):.2f}",
        )
        for label, score in sorted(item.scores.items(), key=lambda kv: -kv[1])
        if score >= item.policy.threshold_for(label)
    )
    return Outcome(Status.PENDING, reasons) if reasons else Outcome()
