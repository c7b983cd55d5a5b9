"""`commentmod learn`: moderator decisions become training examples for the learned
scorer; a new model version is trained, guarded and (maybe) activated."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from api.runtime import Runtime
from api.services.feedback import LabelReport
from models.queries import feedback, history
from models.tables import APPROVED, PENDING, REJECTED, FeedbackExample, ModerationAction
from moderation.language import detect
from moderation.learning.examples import LABELS, Example
from moderation.learning.trainer import LearnResult

# A decision that changes what the system decided (a held comment approved or
# rejected, a published comment rejected, a rejected one restored) says more about the
# model than one that confirms it (a reported comment approved again).
CHANGED_WEIGHT = 3.0
CONFIRMED_WEIGHT = 1.0

# Words in a moderator's reject reason, and the labels they name besides toxicity.
REASON_LABELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"threat|violen|kill", re.I), "threat"),
    (re.compile(r"insult|abus|personal attack|name.?calling|harass", re.I), "insult"),
    (re.compile(r"obscen|profan|swear|vulgar|curs", re.I), "obscene"),
    (
        re.compile(r"hate|racis|identity|slur|bigot|sexis|homophob|transphob|antisemit", re.I),
        "identity_attack",
    ),
    (re.compile(r"severe|extreme", re.I), "severe_toxicity"),
)
# Reject reasons that say nothing about toxicity: such decisions train nothing.
NOT_TOXICITY = re.compile(r"spam|off.?topic|duplicate|advert|promotion|wrong language", re.I)


@dataclass(frozen=True)
class ModeratorDecision:
    example: FeedbackExample
    before: str | None
    reason: str | None


def labels_for(status: str, reason: str | None) -> dict[str, int] | None:
    """The labels a decision speaks to; None when it says nothing about toxicity."""
    if status == APPROVED:
        return dict.fromkeys(LABELS, 0)
    if reason and NOT_TOXICITY.search(reason):
        return None
    labels = {"toxicity": 1}
    for pattern, label in REASON_LABELS:
        if reason and pattern.search(reason):
            labels[label] = 1
    return labels


def to_example(decision: ModeratorDecision) -> Example | None:
    row = decision.example
    status = REJECTED if row.value >= 0.5 else APPROVED
    labels = labels_for(status, decision.reason)
    if labels is None or not row.text:
        return None
    confirmed = decision.before == status
    return Example(
        text=row.text,
        labels=labels,
        weight=CONFIRMED_WEIGHT if confirmed else CHANGED_WEIGHT,
        kind="site:" + ("confirmed" if confirmed else "changed"),
        split="site",
        extra={"comment_id": row.comment_id, "before": decision.before, "reason": decision.reason},
    )


def _pair(
    examples: Sequence[FeedbackExample], actions: Sequence[ModerationAction]
) -> list[ModeratorDecision]:
    """Match a comment's examples to its moderators' history entries, in order: each
    decision wrote one of each in the same transaction."""
    decided = [(i, a) for i, a in enumerate(actions) if a.moderator_id is not None]
    out: list[ModeratorDecision] = []
    for n, example in enumerate(examples):
        if n < len(decided):
            index, action = decided[n]
            before = actions[index - 1].status if index > 0 else PENDING
            out.append(ModeratorDecision(example, before, action.reason))
        else:
            out.append(ModeratorDecision(example, None, None))
    return out


async def site_examples(runtime: Runtime) -> list[Example]:
    """Every comment's latest moderator decision as an example, oldest decision first."""
    by_comment: dict[int, list[FeedbackExample]] = {}
    loose: list[FeedbackExample] = []
    async with runtime.db.read() as session:
        async for row in feedback.stream_examples(session, source="moderator"):
            if row.label != "toxicity":
                continue
            if row.comment_id is None:
                loose.append(row)
            else:
                by_comment.setdefault(row.comment_id, []).append(row)
        ids = list(by_comment)
        histories: dict[int, list[ModerationAction]] = {}
        for start in range(0, len(ids), 500):
            histories.update(await history.history_for(session, ids[start : start + 500]))
    decisions = [ModeratorDecision(row, None, None) for row in loose]
    for comment_id, rows in by_comment.items():
        # A comment decided more than once counts once, as last decided.
        decisions.append(_pair(rows, histories.get(comment_id, []))[-1])
    decisions.sort(key=lambda d: d.example.id or 0)
    return [e for d in decisions if (e := to_example(d)) is not None]


@dataclass(frozen=True)
class LearnOutcome:
    result: LearnResult
    cold_start: str | None
    site_examples: int


def in_language(examples: Sequence[Example], language: str) -> list[Example]:
    return [e for e in examples if detect(e.text).language == language]


def for_main_scorer(examples: Sequence[Example], runtime: Runtime) -> list[Example]:
    """The decisions the main scorer learns from: none a per-language scorer covers
    (those train that scorer: api/services/learn_languages.py)."""
    routed = set(runtime.settings.scorer_options().language_scorers)
    return [e for e in examples if detect(e.text).language not in routed]


async def learn(runtime: Runtime, *, force: bool = False) -> LearnOutcome:
    from moderation.learning.encoder import shared_encoder
    from moderation.learning.store import ModelStore
    from moderation.learning.trainer import Trainer

    site = for_main_scorer(await site_examples(runtime), runtime)
    settings = runtime.settings

    def work() -> LearnOutcome:
        store = ModelStore(settings.resolved_models_dir())
        trainer = Trainer(
            store, shared_encoder(settings.scorer_device), threshold=settings.hold_threshold
        )
        # None, or the version a cold start activated (none active, or made with
        # another encoder).
        before = store.active()
        started = trainer.cold_start()
        cold = None if started == before else started
        return LearnOutcome(trainer.learn(site, force=force), cold, len(site))

    return await asyncio.to_thread(work)


async def active_version_reports(runtime: Runtime) -> tuple[str, list[LabelReport]]:
    """Per label, how the learned scorer's active version agrees with moderators' latest
    decisions (each decided comment re-scored now, at the site's thresholds)."""
    from models.queries.settings import load_settings
    from moderation.evaluation import evaluate
    from moderation.learning.encoder import shared_encoder
    from moderation.learning.store import ModelStore

    settings = runtime.settings
    store = ModelStore(settings.resolved_models_dir())
    version = store.active()
    if version is None:
        raise LookupError(f"no active learned model version in {store.root}")
    examples = await site_examples(runtime)
    async with runtime.db.read() as session:
        site = await load_settings(session)

    def work() -> list[dict[str, float]]:
        heads = store.load(version)
        return heads.score(shared_encoder(settings.scorer_device), [e.text for e in examples])

    scores = await asyncio.to_thread(work)
    reports = []
    for label in LABELS:
        pairs = [
            (s[label], bool(e.labels[label]))
            for e, s in zip(examples, scores, strict=True)
            # A label the version does not serve has no score.
            if label in e.labels and label in s
        ]
        if pairs:
            threshold = site.thresholds.get(label, settings.hold_threshold)
            reports.append(LabelReport(label, evaluate(pairs, threshold)))
    return version, reports
