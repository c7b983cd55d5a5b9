"""Train a version on the seed set plus the site's decisions, and guard its activation.

A new version becomes active only if it is not worse than the active one, by the
tolerances below, on both
- the seed set's evaluation split (templates and words that training never sees), and
- a held-back slice of the site's own decisions: the newest HOLDOUT_SHARE of them,
  which this training run does not see either.
Otherwise it is stored inactive, with the reasons, and `models activate` can still
turn it on by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.learning.encoder import Encoder, encode_cached
from moderation.learning.examples import LABELS, SEED_PATH, Example, load_seed
from moderation.learning.heads import FeatureSpec, Heads, features, train
from moderation.learning.metrics import LabelFigures, figures
from moderation.learning.store import ModelStore

# The extra features a new version uses: none. The comparison in README (the linear
# model's probability, character n-grams) found neither better on the evaluation split.
DEFAULT_SPEC = FeatureSpec(())
HOLDOUT_SHARE = 0.2
# Site holdouts smaller than this are too small to judge by; the seed split still guards.
MIN_HOLDOUT = 5
# How much worse than the active version a candidate may be and still be activated.
TOLERANCE_AUC_TOXICITY = 0.01
TOLERANCE_AUC_OTHER = 0.02
TOLERANCE_BALANCED = 0.02
TOLERANCE_SITE = 0.02


@dataclass
class Evaluation:
    seed: dict[str, LabelFigures]
    site: dict[str, LabelFigures] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed_eval": {k: v.to_dict() for k, v in self.seed.items()},
            "site_holdout": {k: v.to_dict() for k, v in self.site.items()},
        }


@dataclass
class LearnResult:
    version: str
    activated: bool
    why: str
    previous: str | None
    candidate: Evaluation
    active: Evaluation | None
    counts: dict[str, Any]


def _evaluate(
    heads: Heads, examples: Sequence[Example], embeddings: Any, threshold: float
) -> dict[str, LabelFigures]:
    if not examples:
        return {}
    texts = [e.text for e in examples]
    scores = heads.predict(features(heads.spec, texts, embeddings))
    out: dict[str, LabelFigures] = {}
    for i, label in enumerate(heads.labels):
        rows = [
            (e.labels[label], float(scores[j, i]))
            for j, e in enumerate(examples)
            if label in e.labels
        ]
        if rows:
            out[label] = figures(label, [t for t, _ in rows], [s for _, s in rows], threshold)
    return out


def split_site(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, holdout): the holdout is the newest HOLDOUT_SHARE, oldest first given."""
    if len(examples) < MIN_HOLDOUT:
        return list(examples), []
    cut = len(examples) - max(1, math.ceil(len(examples) * HOLDOUT_SHARE))
    return list(examples[:cut]), list(examples[cut:])


def guard(candidate: Evaluation, active: Evaluation) -> list[str]:
    """Why the candidate is worse than the active version; empty when it is not."""
    problems: list[str] = []

    def drop(
        where: str, label: str, metric: str, new: float | None, old: float | None, tolerance: float
    ) -> None:
        if new is not None and old is not None and new < old - tolerance:
            problems.append(
                f"{where} {label} {metric} {new:.3f} < active {old:.3f} - {tolerance:g}"
            )

    for label, old in active.seed.items():
        new = candidate.seed.get(label)
        if new is None:
            continue
        tolerance = TOLERANCE_AUC_TOXICITY if label == "toxicity" else TOLERANCE_AUC_OTHER
        drop("seed eval", label, "ROC AUC", new.roc_auc, old.roc_auc, tolerance)
        if label == "toxicity":
            drop(
                "seed eval",
                label,
                "balanced accuracy",
                new.balanced_accuracy,
                old.balanced_accuracy,
                TOLERANCE_BALANCED,
            )
    for label, old in active.site.items():
        new = candidate.site.get(label)
        if new is None:
            continue
        # One-class holdouts have no balanced accuracy: compare plain accuracy.
        if new.balanced_accuracy is not None and old.balanced_accuracy is not None:
            drop(
                "site holdout",
                label,
                "balanced accuracy",
                new.balanced_accuracy,
                old.balanced_accuracy,
                TOLERANCE_SITE,
            )
        else:
            drop("site holdout", label, "accuracy", new.accuracy, old.accuracy, TOLERANCE_SITE)
    return problems


class Trainer:
    def __init__(
        self,
        store: ModelStore,
        encoder: Encoder,
        *,
        threshold: float = 0.8,
        seed_path: Path = SEED_PATH,
        spec: FeatureSpec = DEFAULT_SPEC,
    ) -> None:
        self.store, self.encoder, self.threshold, self.spec = store, encoder, threshold, spec
        seed = load_seed(seed_path)
        self.seed_train = [e for e in seed if e.split == "train"]
        self.seed_eval = [e for e in seed if e.split == "eval"]

    def seed_embeddings(self) -> tuple[Any, Any]:
        cache = self.store.cache_dir
        return (
            encode_cached(self.encoder, [e.text for e in self.seed_train], cache),
            encode_cached(self.encoder, [e.text for e in self.seed_eval], cache),
        )

    def fit(self, site_train: Sequence[Example]) -> Heads:
        import numpy as np

        train_vectors, _ = self.seed_embeddings()
        site_vectors = self.encoder.encode([e.text for e in site_train])
        examples = [*self.seed_train, *site_train]
        return train(
            self.spec,
            self.encoder.version,
            [e.text for e in examples],
            np.vstack([train_vectors, site_vectors]),
            [dict(e.labels) for e in examples],
            [e.weight for e in examples],
            LABELS,
        )

    def evaluate(self, heads: Heads, site_holdout: Sequence[Example] = ()) -> Evaluation:
        _, eval_vectors = self.seed_embeddings()
        site_vectors = self.encoder.encode([e.text for e in site_holdout])
        return Evaluation(
            seed=_evaluate(heads, self.seed_eval, eval_vectors, self.threshold),
            site=_evaluate(heads, site_holdout, site_vectors, self.threshold),
        )

    def cold_start(self) -> str:
        """Train and activate the first version, from the seed set alone."""
        with self.store.locked():
            # Another process may have made it meanwhile.
            if (active := self.store.active()) is not None:
                return active
        heads = self.fit([])
        report = self.evaluate(heads)
        return self.store.add(
            heads,
            {"parent": None, "report": report.to_dict(), "training": self._counts([], [])},
            activate=self.store.active() is None,
            why="cold start: trained on the seed set alone",
        )

    def _counts(self, train: Sequence[Example], holdout: Sequence[Example]) -> dict[str, Any]:
        def positives(rows: Sequence[Example]) -> dict[str, int]:
            return {lab: sum(1 for e in rows if e.labels.get(lab)) for lab in LABELS}

        return {
            "encoder": self.encoder.version,
            "extras": list(self.spec.extras),
            "seed_train": len(self.seed_train),
            "seed_eval": len(self.seed_eval),
            "site_train": len(train),
            "site_train_weight": round(sum(e.weight for e in train), 3),
            "site_train_positives": positives(train),
            "site_holdout": len(holdout),
            "site_holdout_positives": positives(holdout),
        }

    def learn(self, site: Sequence[Example], *, force: bool = False) -> LearnResult:
        """Train on the seed set and all but the newest site decisions; guard; store."""
        site_train, holdout = split_site(site)
        previous = self.store.active()
        heads = self.fit(site_train)
        candidate = self.evaluate(heads, holdout)
        active_eval = None
        if previous is None:
            problems: list[str] = []
        else:
            active_eval = self.evaluate(self.store.load(previous), holdout)
            problems = guard(candidate, active_eval)
        if problems and force:
            why = "activated with --force despite: " + "; ".join(problems)
        elif problems:
            why = "not activated: worse than the active version: " + "; ".join(problems)
        elif previous is None:
            why = "activated: no version was active"
        else:
            why = f"activated: not worse than {previous} on the seed eval split" + (
                " and the site holdout" if holdout else " (site holdout too small to judge)"
            )
        activate = force or not problems
        counts = self._counts(site_train, holdout)
        version = self.store.add(
            heads,
            {
                "parent": previous,
                "report": candidate.to_dict(),
                "active_report": active_eval.to_dict() if active_eval else None,
                "training": counts,
            },
            activate=activate,
            why=why,
        )
        return LearnResult(version, activate, why, previous, candidate, active_eval, counts)
