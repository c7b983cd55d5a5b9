"""Score once, run every phase, and fold their outcomes into one Decision.

Unlike a first-match pipeline, every phase runs, so a moderator sees every reason
a comment was held, and the most severe status wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from moderation.decision import Decision, Outcome, Reason, Status
from moderation.phases.base import Phase, PhaseInput
from moderation.phases.scorer_failure import scorer_failure
from moderation.phases.toxicity import toxicity
from moderation.policy import Policy
from moderation.scorers.base import Scorer

logger = logging.getLogger(__name__)

PHASES: tuple[Phase, ...] = (scorer_failure, toxicity)


def combine(outcomes: Sequence[Outcome]) -> tuple[Status, tuple[Reason, ...]]:
    status = Status.APPROVED
    reasons: list[Reason] = []
    for outcome in outcomes:
        if outcome.status is not None and outcome.status.severity > status.severity:
            status = outcome.status
        reasons.extend(outcome.reasons)
    return status, tuple(reasons)


async def score_text(
    scorer: Scorer, text: str, timeout: float
) -> tuple[dict[str, float] | None, str | None]:
    """Return (scores, None) or (None, why it failed); never raises."""
    try:
        async with asyncio.timeout(timeout):
            (scores,) = await scorer.score([text])
        return scores, None
    except TimeoutError:
        logger.warning("scorer %s timed out after %.2fs", scorer.name, timeout)
        return None, f"scorer {scorer.name} timed out after {timeout:g}s"
    except Exception as exc:
        logger.exception("scorer %s failed", scorer.name)
        return None, f"scorer {scorer.name} failed: {type(exc).__name__}"


async def decide(
    text: str,
    *,
    scorer: Scorer,
    policy: Policy,
    timeout: float = 2.0,
    phases: Sequence[Phase] = PHASES,
) -> Decision:
    scores, error = await score_text(scorer, text, timeout)
    item = PhaseInput(text=text, policy=policy, scores=scores, scorer_error=error)
    status, reasons = combine([phase(item) for phase in phases])
    return Decision(
        status=status,
        reasons=reasons,
        scores=scores or {},
        model=f"{scorer.name}@{scorer.version}",
    )
