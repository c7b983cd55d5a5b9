"""One calibrated logistic-regression head per label, over the sentence embedding and
optional extra features; stored as plain arrays (never a pickle).

A head's probability is sigmoid(a * (x·w + b) + c): (w, b) are the logistic
regression fitted on all training examples, (a, c) Platt scaling fitted on
out-of-fold scores, so a score of 0.8 means about 80% of such comments are toxic
(on data like the training data).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.learning.encoder import Encoder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

# Extra features a version may use besides the embedding.
EXTRAS = ("linear", "chars")
CHAR_FEATURES = 2**14
# Inverse regularisation strength of every head.
C = 4.0


@dataclass(frozen=True)
class FeatureSpec:
    extras: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [e for e in self.extras if e not in EXTRAS]
        if unknown:
            raise ValueError(f"unknown extra features {unknown}; known: {list(EXTRAS)}")


def _linear_probability(texts: Sequence[str]) -> Any:
    import numpy as np
    from profanity_check import predict_prob

    return np.asarray(predict_prob(list(texts)), dtype=np.float32).reshape(-1, 1)


def _char_ngrams(texts: Sequence[str]) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=True,
    )
    return vectorizer.transform(list(texts))


def features(spec: FeatureSpec, texts: Sequence[str], embeddings: Matrix) -> Any:
    """The design matrix: dense when only dense features are used, else sparse CSR."""
    import numpy as np

    parts: list[Any] = [embeddings]
    if "linear" in spec.extras:
        parts.append(_linear_probability(texts))
    if "chars" not in spec.extras:
        return np.hstack(parts).astype(np.float32) if len(parts) > 1 else embeddings
    from scipy import sparse

    return sparse.hstack([*(sparse.csr_matrix(p) for p in parts), _char_ngrams(texts)]).tocsr()


@dataclass
class Heads:
    labels: tuple[str, ...]
    spec: FeatureSpec
    encoder: str
    weights: Matrix  # (labels, features)
    bias: Matrix  # (labels,)
    scale: Matrix  # Platt slope per label
    shift: Matrix  # Platt intercept per label

    def predict(self, design: Any) -> Matrix:
        import numpy as np

        logits = np.asarray(design @ self.weights.T, dtype=np.float64) + self.bias
        # Clipped: exp() of a large logit would overflow (and warn) for nothing.
        calibrated = np.clip(logits * self.scale + self.shift, -60.0, 60.0)
        return (1.0 / (1.0 + np.exp(-calibrated))).astype(np.float32)

    def score(self, encoder: Encoder, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        design = features(self.spec, texts, encoder.encode(texts))
        rows = self.predict(design)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in rows]

    def save(self, folder: Path) -> None:
        import numpy as np

        folder.mkdir(parents=True, exist_ok=True)
        np.savez(
            folder / "heads.npz",
            weights=self.weights,
            bias=self.bias,
            scale=self.scale,
            shift=self.shift,
        )
        meta = {
            "labels": list(self.labels),
            "extras": list(self.spec.extras),
            "encoder": self.encoder,
        }
        (folder / "heads.json").write_text(json.dumps(meta, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> Heads:
        import numpy as np

        meta = json.loads((folder / "heads.json").read_text())
        # allow_pickle=False: loading a version never runs code from the file.
        with np.load(folder / "heads.npz", allow_pickle=False) as arrays:
            return cls(
                labels=tuple(meta["labels"]),
                spec=FeatureSpec(tuple(meta["extras"])),
                encoder=str(meta["encoder"]),
                weights=arrays["weights"].astype(np.float32),
                bias=arrays["bias"].astype(np.float32),
                scale=arrays["scale"].astype(np.float32),
                shift=arrays["shift"].astype(np.float32),
            )


def _fit(design: Any, y: Any, w: Any, seed: int = 0) -> tuple[Any, float, float, float]:
    """(weights, bias, Platt slope, Platt intercept) for one label."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < 2:
        # Nothing to separate: a constant head at the observed rate.
        rate = (positives + 0.5) / (len(y) + 1.0)
        bias = float(np.log(rate / (1 - rate)))
        return np.zeros(design.shape[1], dtype=np.float32), bias, 1.0, 0.0
    folds = StratifiedKFold(n_splits=min(3, positives, negatives), shuffle=True, random_state=seed)
    out_of_fold = np.zeros(len(y), dtype=np.float64)
    for train, test in folds.split(np.zeros(len(y)), y):
        model = LogisticRegression(C=C, max_iter=2000, solver="liblinear")
        model.fit(design[train], y[train], sample_weight=w[train])
        out_of_fold[test] = model.decision_function(design[test])
    platt = LogisticRegression(C=1e4, max_iter=2000)
    platt.fit(out_of_fold.reshape(-1, 1), y, sample_weight=w)
    model = LogisticRegression(C=C, max_iter=2000, solver="liblinear")
    model.fit(design, y, sample_weight=w)
    return (
        model.coef_[0].astype(np.float32),
        float(model.intercept_[0]),
        float(platt.coef_[0, 0]),
        float(platt.intercept_[0]),
    )


def train(
    spec: FeatureSpec,
    encoder_version: str,
    texts: Sequence[str],
    embeddings: Matrix,
    labels: Sequence[dict[str, int] | Any],
    weights: Sequence[float],
    label_names: Sequence[str],
) -> Heads:
    """Fit every label's head; an example trains only the labels it knows."""
    import numpy as np

    design = features(spec, texts, embeddings)
    w_all = np.asarray(weights, dtype=np.float64)
    rows_w, rows_b, rows_a, rows_c = [], [], [], []
    for label in label_names:
        known = np.array([label in row for row in labels], dtype=bool)
        y = np.array([row.get(label, 0) for row in labels], dtype=np.int64)[known]
        index = np.flatnonzero(known)
        w, b, a, c = _fit(design[index], y, w_all[known])
        rows_w.append(w)
        rows_b.append(b)
        rows_a.append(a)
        rows_c.append(c)
    return Heads(
        labels=tuple(label_names),
        spec=spec,
        encoder=encoder_version,
        weights=np.vstack(rows_w).astype(np.float32),
        bias=np.asarray(rows_b, dtype=np.float32),
        scale=np.asarray(rows_a, dtype=np.float32),
        shift=np.asarray(rows_c, dtype=np.float32),
    )
