"""Where the hold threshold falls: chosen on held-back real comments, precision first.

A news site's comments are mostly civil, so a hold must be rare on civil text: the
operating point is the lowest raw logit at which at least PUBLISHED of the civil
comments of *every* validation set stay below it. PUBLISHED is two points above the 95%
the site is promised, because the point must keep its promise on comments it has not
seen: a validation split of a few hundred civil comments is a point or two off either
way (docs/scoring-quality.md: at 96%, Davidson's test split published 93.9%).
The caller leaves out the civil comments whose raters split (trainer.py): a tweet one
rater of three called abuse is not the civil comment a hold would silence.

The calibration then maps that logit to the site's hold threshold (0.8 by default):
score = sigmoid(a * logit + c), the slope a fitted by logistic regression (Platt) on
the validation sets, the intercept c placed so that sigmoid(a * t + c) = threshold. A
score of 0.8 therefore means "at the operating point"; docs/scoring-quality.md shows
predicted against observed rates per bin for each set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float64]

# Share of each validation set's civil comments that must stay published.
PUBLISHED = 0.97


@dataclass(frozen=True)
class Operating:
    scale: float
    shift: float
    # The raw logit that maps to the threshold, and why.
    logit: float
    why: str


def _platt_slope(logits: Vector, truth: Vector) -> float:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4, max_iter=2000, class_weight="balanced")
    model.fit(logits.reshape(-1, 1), truth)
    return max(float(model.coef_[0, 0]), 1e-3)


def choose(
    sets: Mapping[str, tuple[Vector, Vector]], threshold: float, published: float = PUBLISHED
) -> Operating:
    """sets: {name: (logits, truth 0/1)}; every set with civil rows constrains the point."""
    import numpy as np

    point = -math.inf
    binding = ""
    for name, (logits, truth) in sets.items():
        civil = np.sort(logits[truth == 0])
        if len(civil) == 0:
            continue
        # Halfway between the last civil logit that must stay below and the next one.
        index = min(len(civil) - 1, math.ceil(published * len(civil)) - 1)
        above = civil[index + 1] if index + 1 < len(civil) else civil[index] + 1.0
        candidate = float((civil[index] + above) / 2)
        if candidate > point:
            point, binding = candidate, name
    logits = np.concatenate([s[0] for s in sets.values()])
    truth = np.concatenate([s[1] for s in sets.values()])
    scale = _platt_slope(logits, truth)
    shift = math.log(threshold / (1 - threshold)) - scale * point
    why = (
        f"{published:.0%} of civil comments published on every validation set (binding: {binding})"
    )
    return Operating(scale, shift, point, why)


def platt(logits: Vector, truth: Vector) -> tuple[float, float]:
    """Plain Platt scaling (slope, intercept), classes balanced: for unserved labels."""
    from sklearn.linear_model import LogisticRegression

    if len(set(truth.tolist())) < 2:
        return 1.0, 0.0
    model = LogisticRegression(C=1e4, max_iter=2000, class_weight="balanced")
    model.fit(logits.reshape(-1, 1), truth)
    return float(model.coef_[0, 0]), float(model.intercept_[0])
