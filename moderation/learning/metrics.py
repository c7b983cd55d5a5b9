"""Ranking and threshold figures for one label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LabelFigures:
    label: str
    examples: int
    positives: int
    roc_auc: float | None
    threshold: float
    precision: float | None
    recall: float | None
    # Share of examples on the right side of the threshold.
    accuracy: float
    balanced_accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def figures(
    label: str, truth: Sequence[int], scores: Sequence[float], threshold: float
) -> LabelFigures:
    from sklearn.metrics import roc_auc_score

    n = len(truth)
    positives = sum(1 for t in truth if t)
    held = [t for t, s in zip(truth, scores, strict=True) if s >= threshold]
    caught = sum(1 for t in held if t)
    right = sum(1 for t, s in zip(truth, scores, strict=True) if (s >= threshold) == bool(t))
    auc = float(roc_auc_score(list(truth), list(scores))) if 0 < positives < n else None
    negatives = n - positives
    true_negatives = sum(1 for t, s in zip(truth, scores, strict=True) if not t and s < threshold)
    balanced = (
        (caught / positives + true_negatives / negatives) / 2 if positives and negatives else None
    )
    return LabelFigures(
        label=label,
        examples=n,
        positives=positives,
        roc_auc=auc,
        threshold=threshold,
        precision=caught / len(held) if held else None,
        recall=caught / positives if positives else None,
        accuracy=right / n if n else 0.0,
        balanced_accuracy=balanced,
    )
