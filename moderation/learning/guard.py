"""A version's figures on every validation set, and the guard that compares a candidate
with the active version on each of them.

Validation sets: the seed set's eval split, the held-out hard cases
(`moderation/data/hard_cases.py`), the held-back splits of the two real sets (shipped
as embeddings), and the newest share of the site's own decisions. A candidate whose
ROC AUC on any set drops by more than the noise (twice the paired bootstrap standard
deviation of the difference, at least MIN_AUC_DROP), or whose balanced accuracy at the
threshold drops by more than TOLERANCE_BALANCED, or whose ROC AUC is lower on every
validation set at once (by more than CONSISTENT_DROP each), is not activated, however
few site decisions there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from moderation.learning.metrics import LabelFigures, figures

# Training noise: continuing the shipped network without any site decision moved the
# validation AUCs by up to 0.0025; a drop must exceed twice that to count.
MIN_AUC_DROP = 0.005
# Lower on every set at once is a drop however small each part (issue 21's case).
CONSISTENT_DROP = 0.001
TOLERANCE_BALANCED = 0.02
BOOTSTRAP = 100
SITE = "site_holdout"


@dataclass
class Evaluation:
    # {set: {label: figures}}, and the (truth, scores) behind them for the guard.
    sets: dict[str, dict[str, LabelFigures]] = field(default_factory=dict)
    scores: dict[str, dict[str, tuple[list[int], list[float]]]] = field(default_factory=dict)

    @property
    def seed(self) -> dict[str, LabelFigures]:
        return self.sets.get("seed_eval", {})

    @property
    def site(self) -> dict[str, LabelFigures]:
        return self.sets.get(SITE, {})

    def add(
        self, name: str, label: str, truth: Sequence[int], scores: Sequence[float], threshold: float
    ) -> None:
        if not truth:
            return
        self.sets.setdefault(name, {})[label] = figures(label, truth, scores, threshold)
        self.scores.setdefault(name, {})[label] = (list(truth), list(scores))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {SITE: {}}
        for name, labels in self.sets.items():
            out[name] = {k: v.to_dict() for k, v in labels.items()}
        return out


def auc_noise(truth: Sequence[int], new: Sequence[float], old: Sequence[float]) -> float:
    """Standard deviation of the paired AUC difference over bootstrap resamples."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    y, a, b = np.asarray(truth), np.asarray(new), np.asarray(old)
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(BOOTSTRAP):
        index = rng.integers(0, len(y), len(y))
        if 0 < y[index].sum() < len(index):
            diffs.append(roc_auc_score(y[index], a[index]) - roc_auc_score(y[index], b[index]))
    return float(np.std(diffs)) if len(diffs) > 1 else 0.0


def guard(candidate: Evaluation, active: Evaluation) -> list[str]:
    """Why the candidate is worse than the active version; empty when it is not."""
    problems: list[str] = []
    lower = [
        name
        for name, labels in active.sets.items()
        if name != SITE
        and (old := labels.get("toxicity")) is not None
        and (new := candidate.sets.get(name, {}).get("toxicity")) is not None
        and old.roc_auc is not None
        and new.roc_auc is not None
        and new.roc_auc < old.roc_auc - CONSISTENT_DROP
    ]
    compared = [name for name in active.sets if name != SITE and name in candidate.sets]
    if len(compared) >= 2 and sorted(lower) == sorted(compared):
        problems.append(f"toxicity ROC AUC lower on every validation set ({', '.join(lower)})")
    for name, labels in active.sets.items():
        for label, old in labels.items():
            new = candidate.sets.get(name, {}).get(label)
            if new is None:
                continue
            where = f"{name} {label}"
            if new.roc_auc is not None and old.roc_auc is not None:
                truth, new_scores = candidate.scores[name][label]
                _, old_scores = active.scores[name][label]
                allowed = max(MIN_AUC_DROP, 2 * auc_noise(truth, new_scores, old_scores))
                if new.roc_auc < old.roc_auc - allowed:
                    problems.append(
                        f"{where} ROC AUC {new.roc_auc:.3f} < active {old.roc_auc:.3f} "
                        f"- noise {allowed:.3f}"
                    )
            # One-class sets (a small site holdout) have no balanced accuracy: accuracy.
            if new.balanced_accuracy is not None and old.balanced_accuracy is not None:
                metric, now, before = (
                    "balanced accuracy",
                    new.balanced_accuracy,
                    old.balanced_accuracy,
                )
            else:
                metric, now, before = "accuracy", new.accuracy, old.accuracy
            if now < before - TOLERANCE_BALANCED:
                problems.append(
                    f"{where} {metric} {now:.3f} < active {before:.3f} - {TOLERANCE_BALANCED:g}"
                )
    return problems
