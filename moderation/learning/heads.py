"""One calibrated head per label over the sentence embedding (and optional extra
features); stored as plain arrays (never a pickle).

A head's probability is sigmoid(a * (h·w + b) + c), where h is the embedding itself
(a logistic head, the first versions) or a shared hidden layer relu(x·W1 + b1) (the
network of `moderation.learning.network`); (a, c) rescale the logit so that the hold
threshold falls on the operating point chosen on validation data
(`moderation.learning.operating`).

`served` are the labels the scorer reports: only those with their own validation
figures on real comments. The others are trained (moderators' reasons feed them) but
not shown, not held on, not answered on the Perspective endpoint.
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
    hidden_weights: Matrix | None = None  # (features, hidden)
    hidden_bias: Matrix | None = None  # (hidden,)
    served: tuple[str, ...] | None = None  # None: every label (the first versions)

    @property
    def served_labels(self) -> tuple[str, ...]:
        return self.labels if self.served is None else self.served

    def logits(self, design: Any) -> Any:
        """Uncalibrated logits, (examples, labels)."""
        import numpy as np

        if self.hidden_weights is not None and self.hidden_bias is not None:
            design = np.maximum(
                np.asarray(design, dtype=np.float32) @ self.hidden_weights + self.hidden_bias, 0
            )
        return np.asarray(design @ self.weights.T, dtype=np.float64) + self.bias

    def predict(self, design: Any) -> Matrix:
        import numpy as np

        logits = self.logits(design)
        # Clipped: exp() of a large logit would overflow (and warn) for nothing.
        calibrated = np.clip(logits * self.scale + self.shift, -60.0, 60.0)
        probabilities: Matrix = (1.0 / (1.0 + np.exp(-calibrated))).astype(np.float32)
        return probabilities

    def score(self, encoder: Encoder, texts: Sequence[str]) -> list[dict[str, float]]:
        import numpy as np

        from moderation.learning.deobfuscate import undisguise

        if not texts:
            return []
        design = features(self.spec, texts, encoder.encode(texts))
        rows = self.predict(design)
        # Disguised words (m0r0n, i.d.i.o.t): the undisguised form scores too, the higher wins.
        changed = [(i, plain) for i, t in enumerate(texts) if (plain := undisguise(t)) != t]
        if changed:
            plain_texts = [plain for _, plain in changed]
            again = self.predict(features(self.spec, plain_texts, encoder.encode(plain_texts)))
            index = [i for i, _ in changed]
            rows[index] = np.maximum(rows[index], again)
        served = [(i, label) for i, label in enumerate(self.labels) if label in self.served_labels]
        return [{label: float(row[i]) for i, label in served} for row in rows]

    def save(self, folder: Path) -> None:
        import numpy as np

        folder.mkdir(parents=True, exist_ok=True)
        hidden: dict[str, Any] = {}
        if self.hidden_weights is not None and self.hidden_bias is not None:
            hidden = {"hidden_weights": self.hidden_weights, "hidden_bias": self.hidden_bias}
        np.savez(
            folder / "heads.npz",
            **hidden,
            weights=self.weights,
            bias=self.bias,
            scale=self.scale,
            shift=self.shift,
        )
        meta = {
            "labels": list(self.labels),
            "served": None if self.served is None else list(self.served),
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
                hidden_weights=(
                    arrays["hidden_weights"].astype(np.float32)
                    if "hidden_weights" in arrays.files
                    else None
                ),
                hidden_bias=(
                    arrays["hidden_bias"].astype(np.float32)
                    if "hidden_bias" in arrays.files
                    else None
                ),
                served=None if meta.get("served") is None else tuple(meta["served"]),
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
