"""Labelled examples from moderators and suggestscore calls, and what they say about
the hold thresholds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from models.database import Database
from models.queries import feedback
from models.queries.settings import load_settings
from models.tables import APPROVED, REJECTED, Comment, FeedbackExample
from moderation.evaluation import ThresholdReport, evaluate

# The label a moderator's decision speaks to: the one the hold threshold is about.
MODERATED_LABEL = "toxicity"


def record_decision(session: AsyncSession, comment: Comment, status: str, moderator: str) -> None:
    """Keep a moderator's decision as an example; call inside the decision's transaction."""
    if status not in (APPROVED, REJECTED):
        return
    score = comment.scores.get(MODERATED_LABEL)
    feedback.add_examples(
        session,
        [
            FeedbackExample(
                text=comment.body,
                label=MODERATED_LABEL,
                value=1.0 if status == REJECTED else 0.0,
                source="moderator",
                model_score=None if score is None else float(score),
                model=comment.model,
                comment_id=comment.id,
                moderator_id=moderator,
            )
        ],
    )


async def store_suggestions(db: Database, examples: list[FeedbackExample]) -> None:
    async with db.write() as session:
        feedback.add_examples(session, examples)


async def all_examples(db: Database) -> AsyncIterator[FeedbackExample]:
    async with db.read() as session:
        async for example in feedback.stream_examples(session):
            yield example


@dataclass(frozen=True)
class LabelReport:
    label: str
    report: ThresholdReport


async def threshold_reports(db: Database, hold_threshold: float) -> list[LabelReport]:
    """Per label, the current hold threshold against moderators' latest decisions.

    A comment decided more than once counts once, as last decided; examples the model
    never scored (it was down, or the language unsupported) are left out.
    """
    latest: dict[tuple[str, int | None], FeedbackExample] = {}
    unnamed: list[FeedbackExample] = []
    async with db.read() as session:
        site = await load_settings(session)
        async for example in feedback.stream_examples(session, source="moderator"):
            if example.model_score is None:
                continue
            if example.comment_id is None:
                unnamed.append(example)
            else:
                latest[(example.label, example.comment_id)] = example
    by_label: dict[str, list[tuple[float, bool]]] = {}
    for example in [*latest.values(), *unnamed]:
        assert example.model_score is not None
        by_label.setdefault(example.label, []).append((example.model_score, example.value >= 0.5))
    default = hold_threshold
    return [
        LabelReport(label, evaluate(pairs, site.thresholds.get(label, default)))
        for label, pairs in sorted(by_label.items())
    ]
