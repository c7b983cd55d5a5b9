"""Score once, run every phase, and fold their outcomes into one Decision.

Unlike a first-match pipeline, every phase runs, so a moderator sees every reason
a comment was held, and the most severe status wins. A scorer that fails or times
out holds the comment (fail closed) instead of letting it through unscored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.author import AuthorFacts
from moderation.decision import Decision, Outcome, Reason, Status
from moderation.external import ExternalModerator, Verdict
from moderation.phases.banned_words import banned_words
from moderation.phases.base import Phase, PhaseInput
from moderation.phases.external import external
from moderation.phases.language import unsupported_language
from moderation.phases.links import links
from moderation.phases.new_commenter import new_commenter
from moderation.phases.premoderation import premoderation
from moderation.phases.repeat_post import repeat_post
from moderation.phases.scorer_failure import scorer_failure
from moderation.phases.suspect_words import suspect_words
from moderation.phases.toxicity import toxicity
from moderation.phases.user_premoderation import user_premoderation
from moderation.policy import Policy
from moderation.scorers.base import Scorer
from moderation.scorers.routing import route_of

logger = logging.getLogger(__name__)

PHASES: tuple[Phase, ...] = (
    premoderation,
    banned_words,
    suspect_words,
    links,
    unsupported_language,
    scorer_failure,
    toxicity,
    user_premoderation,
    new_commenter,
    repeat_post,
    external,
)


@dataclass(frozen=True)
class Context:
    scorer: Scorer
    policy: Policy
    # Seconds one scoring call may take before the comment is held unscored.
    timeout: float = 2.0
    author: AuthorFacts = field(default_factory=AuthorFacts)
    # The site's external moderation endpoint, and what it is told besides the text
    # and the author's standing (the article).
    external: ExternalModerator | None = None
    article: dict[str, object] = field(default_factory=dict)


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


async def _ask(text: str, context: Context) -> Verdict:
    assert context.external is not None
    author = context.author
    payload = {
        "comment": {"text": text},
        "author": {
            "comments": author.comment_count,
            "approvedComments": author.approved_count,
            "premoderated": author.premoderated,
        },
        "article": context.article,
    }
    return await context.external.ask(payload)


async def decide(text: str, context: Context, phases: Sequence[Phase] = PHASES) -> Decision:
    scorer, policy = context.scorer, context.policy
    # Which scorer reads this text: the one covering its language (routing scorers).
    route = route_of(scorer, text)
    language = route.language
    scores: dict[str, float] | None = None
    error: str | None = None
    asked = asyncio.create_task(_ask(text, context)) if context.external else None
    # Scores for a language the model never saw mean little; don't pay for them.
    if route.covered or policy.score_unsupported_languages:
        scores, error = await score_text(scorer, text, context.timeout)
    # The endpoint is asked while the scorer works: the two waits overlap.
    verdict = await asked if asked is not None else None
    item = PhaseInput(
        text=text,
        policy=policy,
        scores=scores,
        scorer_error=error,
        language=language,
        scorer_languages=scorer.languages,
        author=context.author,
        external=verdict,
    )
    status, reasons = combine([phase(item) for phase in phases])
    return Decision(
        status=status,
        reasons=reasons,
        scores=scores or {},
        model=route.model,
        language=language,
    )
