"""`commentmod evaluate FILE`: the active scorer (or a named learned version) on a site's
own labelled comments, per label, with a PNG of the curves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.http.config import Config
from moderation.learning.labelled import read
from moderation.learning.quality import Quality, per_label, plot
from moderation.scorers.base import Scorer

BATCH = 64


@dataclass(frozen=True)
class EvaluateOutcome:
    scorer: str
    rows: int
    results: list[Quality]
    # Labels in the file that the scorer does not report (not evaluated).
    unscored: list[str]
    png: Path | None


def _scorer(settings: Config, version: str | None) -> Scorer:
    if version is None:
        from moderation.scorers.registry import load_routed

        # The scorer as served: per-language scorers route their languages.
        return load_routed(settings.scorer_options()).scorer
    from moderation.scorers.learned import LearnedScorer

    return LearnedScorer.load(
        settings.resolved_models_dir(), device=settings.scorer_device, version=version
    )


def evaluate_file(
    settings: Config,
    path: Path,
    *,
    version: str | None = None,
    png: Path | None = None,
    progress: Callable[[int], None] = lambda _n: None,
    started: Callable[[int], None] = lambda _n: None,
) -> EvaluateOutcome:
    """Read the whole file first (a bad row stops before any scoring), then score it."""
    rows = read(path)
    scorer = _scorer(settings, version)
    started(len(rows))
    scores: list[dict[str, float]] = []
    for start in range(0, len(rows), BATCH):
        batch = [r.text for r in rows[start : start + BATCH]]
        scores += asyncio.run(scorer.score(batch))
        progress(len(batch))
    in_file = sorted({label for r in rows for label in r.labels})
    # Reported: a label the scorer gave some row (a router's languages differ in labels).
    reported = {label for score in scores for label in score}
    labels = [label for label in scorer.labels if label in in_file and label in reported]
    thresholds = {label: settings.hold_threshold for label in labels}
    results = per_label([r.labels for r in rows], scores, labels, thresholds)
    name = f"{scorer.name}@{scorer.version}"
    if png is not None:
        plot(results, png, f"{name} on {path.name} ({len(rows)} comments)")
    return EvaluateOutcome(name, len(rows), results, [x for x in in_file if x not in labels], png)
