"""A linear model over hashed n-grams (moderation.ngrams), one head per label.

Stored as plain arrays: `weights.npy` (labels x buckets, float32) and `model.json`
(labels, bias, calibration, provenance). No pickle is written or read.

Calibration is fitted on out-of-fold scores of the training set (folds by template
family, so a family is never scored by a model that saw it). The main label
(toxicity) has its operating point put at the hold threshold: the logit where abusive
and normal rows are best told apart (Youden's J) is mapped to `anchor` (the default
hold threshold, 0.8), with the slope of a one-feature logistic regression (Platt).
So at the default threshold the model holds what it separates best. The narrower
labels get plain Platt scaling. Scores stay ordered as the raw logits are.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.ngrams import DEFAULT_SIZE, features

FORMAT = 1
# The label every comment model has, whose operating point is the hold threshold.
MAIN_LABEL = "toxicity"


@dataclass(frozen=True)
class NgramModel:
    labels: tuple[str, ...]
    weights: npt.NDArray[np.float32]  # (labels, size)
    bias: tuple[float, ...]
    slope: tuple[float, ...]
    center: tuple[float, ...]
    anchor: float = 0.8
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.weights.shape[1])

    @property
    def version(self) -> str:
        digest = hashlib.sha256(self.weights.tobytes())
        digest.update(json.dumps([self.bias, self.slope, self.center]).encode())
        return "ngram-" + digest.hexdigest()[:10]

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        out = np.tile(np.asarray(self.bias, dtype=np.float64), (len(texts), 1))
        for row, text in enumerate(texts):
            feats = features(text, self.size)
            if feats:
                idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
                val = np.fromiter(feats.values(), dtype=np.float64, count=len(feats))
                out[row] += self.weights[:, idx].astype(np.float64) @ val
        return out

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        z = self.logits(texts)
        slope, center = np.asarray(self.slope), np.asarray(self.center)
        shift = math.log(self.anchor / (1 - self.anchor))
        probs = 1.0 / (1.0 + np.exp(-(slope * (z - center) + shift)))
        return [
            {label: round(float(p), 6) for label, p in zip(self.labels, row, strict=True)}
            for row in probs
        ]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "weights.npy", self.weights, allow_pickle=False)
        meta = {
            "format": FORMAT,
            "version": self.version,
            "labels": list(self.labels),
            "size": self.size,
            "bias": list(self.bias),
            "slope": list(self.slope),
            "center": list(self.center),
            "anchor": self.anchor,
            "info": self.info,
        }
        text = json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True)
        (directory / "model.json").write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> NgramModel:
        meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory}: unknown n-gram model format {meta.get('format')}")
        weights = np.load(directory / "weights.npy", allow_pickle=False).astype(np.float32)
        labels = tuple(meta["labels"])
        if weights.shape != (len(labels), int(meta["size"])):
            raise ValueError(f"{directory}: weights do not match the model's labels and size")
        return cls(
            labels=labels,
            weights=weights,
            bias=tuple(meta["bias"]),
            slope=tuple(meta["slope"]),
            center=tuple(meta["center"]),
            anchor=float(meta["anchor"]),
            info=dict(meta.get("info", {})),
        )


def _matrix(texts: Sequence[str], size: int) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for row, text in enumerate(texts):
        for col, val in features(text, size).items():
            rows.append(row)
            cols.append(col)
            vals.append(val)
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), size), dtype=np.float64)


def _fit_head(
    x: Any, y: npt.NDArray[np.int_], c: float, weight: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float]:
    from sklearn.linear_model import LogisticRegression

    # The dual problem: far fewer rows than hashed features (fifty times faster).
    head = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", dual=True, random_state=0, max_iter=5000
    )
    head.fit(x, y, sample_weight=weight)
    return head.coef_[0], float(head.intercept_[0])


def _operating_point(z: npt.NDArray[np.float64], y: npt.NDArray[np.int_]) -> float:
    """The out-of-fold logit best separating the classes (Youden's J)."""
    best, best_j = float(np.median(z)), -1.0
    positives, negatives = z[y == 1], z[y == 0]
    for t in np.unique(z):
        j = float(np.mean(positives >= t) - np.mean(negatives >= t))
        if j > best_j:
            best, best_j = float(t), j
    return best


def train(
    texts: Sequence[str],
    targets: Mapping[str, Sequence[int]],
    groups: Sequence[str],
    *,
    size: int = DEFAULT_SIZE,
    c: float = 4.0,
    anchor: float = 0.8,
    folds: int = 5,
    info: dict[str, Any] | None = None,
    sample_weights: Mapping[str, Sequence[float]] | None = None,
) -> NgramModel:
    """Fit one head per label and calibrate it on out-of-fold scores (deterministic).

    `sample_weights`: per label, each row's weight (0: the row says nothing about the label).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    x = _matrix(texts, size)
    group_array = np.asarray(groups)
    labels = tuple(label for label, y in targets.items() if 0 < sum(y) < len(y))
    weights = np.zeros((len(labels), size), dtype=np.float32)
    bias, slope, center = [], [], []
    n_folds = min(folds, len(set(groups)))
    for k, label in enumerate(labels):
        y = np.asarray(targets[label], dtype=np.int_)
        given = None if sample_weights is None else sample_weights.get(label)
        w = np.ones(len(y)) if given is None else np.asarray(given, dtype=np.float64)
        oof = np.zeros(len(texts))
        for fit_rows, held in GroupKFold(n_splits=n_folds).split(x, y, group_array):
            if len(set(y[fit_rows].tolist())) < 2:
                oof[held] = 0.0
                continue
            coef, intercept = _fit_head(x[fit_rows], y[fit_rows], c, w[fit_rows])
            oof[held] = x[held] @ coef + intercept
        coef, intercept = _fit_head(x, y, c, w)
        weights[k] = coef.astype(np.float32)
        bias.append(float(intercept))
        platt = LogisticRegression(C=1.0).fit(oof.reshape(-1, 1), y, sample_weight=w)
        a, b = max(float(platt.coef_[0][0]), 0.05), float(platt.intercept_[0])
        slope.append(a)
        if label == MAIN_LABEL:
            center.append(_operating_point(oof, y))
        else:
            # Plain Platt scaling: sigmoid(a z + b), written as a (z - center) + logit(anchor).
            center.append((math.log(anchor / (1 - anchor)) - b) / a)
    return NgramModel(
        labels=labels,
        weights=weights,
        bias=tuple(bias),
        slope=tuple(slope),
        center=tuple(center),
        anchor=anchor,
        info=dict(info or {}),
    )
