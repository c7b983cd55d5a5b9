"""The learned scorer against the bundled linear model on the seed evaluation split.

    python -m moderation.learning.evaluate            # cold-start heads, all extras compared
    commentmod models evaluate [VERSION]              # a stored version (default: active)

Prints, per label: ROC AUC, and precision and recall at the threshold (default 0.8).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from moderation.learning.encoder import Encoder, encode_cached, shared_encoder
from moderation.learning.examples import LABELS, Example, seed_split
from moderation.learning.heads import FeatureSpec, Heads, features, train
from moderation.learning.metrics import LabelFigures, figures


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def heads_figures(
    heads: Heads, examples: Sequence[Example], vectors: object, threshold: float
) -> list[LabelFigures]:
    texts = [e.text for e in examples]
    scores = heads.predict(features(heads.spec, texts, vectors))  # type: ignore[arg-type]
    return [
        figures(
            label, [e.labels[label] for e in examples], [float(s) for s in scores[:, i]], threshold
        )
        for i, label in enumerate(heads.labels)
    ]


def linear_figures(examples: Sequence[Example], threshold: float) -> list[LabelFigures]:
    from profanity_check import predict_prob

    scores = [float(p) for p in predict_prob([e.text for e in examples])]
    # The linear model has one output; it is compared on every label with it.
    return [
        figures(label, [e.labels[label] for e in examples], scores, threshold) for label in LABELS
    ]


def table(rows: Sequence[tuple[str, Sequence[LabelFigures]]]) -> str:
    lines = ["model\tlabel\texamples\tpositives\troc_auc\tprecision@t\trecall@t"]
    for name, items in rows:
        for f in items:
            lines.append(
                f"{name}\t{f.label}\t{f.examples}\t{f.positives}\t{_share(f.roc_auc)}\t"
                f"{_share(f.precision)}\t{_share(f.recall)}"
            )
    return "\n".join(lines)


def compare_extras(encoder: Encoder, threshold: float) -> str:
    """Cold-start heads with each extra feature set, and the linear model, side by side."""
    train_rows, eval_rows = seed_split("train"), seed_split("eval")
    train_vectors = encode_cached(encoder, [e.text for e in train_rows])
    eval_vectors = encode_cached(encoder, [e.text for e in eval_rows])
    rows: list[tuple[str, Sequence[LabelFigures]]] = []
    for extras in ((), ("linear",), ("chars",), ("linear", "chars")):
        spec = FeatureSpec(extras)
        heads = train(
            spec,
            encoder.version,
            [e.text for e in train_rows],
            train_vectors,
            [dict(e.labels) for e in train_rows],
            [1.0] * len(train_rows),
            LABELS,
        )
        name = "learned" + "".join(f"+{x}" for x in extras)
        rows.append((name, heads_figures(heads, eval_rows, eval_vectors, threshold)))
    rows.append(("linear", linear_figures(eval_rows, threshold)))
    return table(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    encoder = shared_encoder()
    print(compare_extras(encoder, args.threshold))
    print(f"# seed eval split, threshold {args.threshold:g}, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
