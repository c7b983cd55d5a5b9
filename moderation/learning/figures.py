"""The figures in docs/scoring-quality.md: the shipped version (and, for scale, logistic
heads trained on the seed set alone with the same encoder) on every held-back set.

    python -m moderation.learning.figures [--png-dir DIR]

Real sets are read from their shipped embeddings (no text needed); the hard cases and
the seed eval split from the shipped embedding caches. Prints one Markdown table per
set, the calibration of the shipped version per set, and the hard cases per kind.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.learning import realdata
from moderation.learning.encoder import SHIPPED_CACHE, encode_cached, shared_encoder
from moderation.learning.examples import LABELS, seed_split
from moderation.learning.heads import FeatureSpec, Heads, train
from moderation.learning.quality import Quality, plot, quality
from moderation.learning.trainer import SHIPPED_MODEL, hard_examples

THRESHOLD = 0.8


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _sets(encoder_version: str) -> tuple[dict[str, tuple[Any, list[int]]], dict[str, Any]]:
    """({name: (embeddings, toxicity truth)}, {name: civil rows whose raters split})."""
    encoder = shared_encoder()
    out: dict[str, tuple[Any, list[int]]] = {}
    contested: dict[str, Any] = {}
    for corpus in realdata.CORPORA:
        for split in ("validation", "test"):
            part = realdata.load(corpus, split, encoder_version)
            if part is not None:
                out[f"{corpus} {split}"] = (
                    part.embeddings,
                    [int(v) for v in part.truth["toxicity"]],
                )
                split_votes = part.contested_civil()
                if split_votes.any():
                    contested[f"{corpus} {split}"] = split_votes
    rows = seed_split("eval")
    out["seed eval"] = (
        encode_cached(encoder, [e.text for e in rows], SHIPPED_CACHE),
        [e.labels["toxicity"] for e in rows],
    )
    hard = hard_examples("heldout")
    out["hard cases (held out)"] = (
        encode_cached(encoder, [e.text for e in hard], SHIPPED_CACHE),
        [e.labels["toxicity"] for e in hard],
    )
    assert all(isinstance(v[0], np.ndarray) for v in out.values())
    return out, contested


def old_heads() -> Heads:
    """Logistic heads on the seed train split alone (what the first release trained)."""
    encoder = shared_encoder()
    rows = seed_split("train")
    vectors = encode_cached(encoder, [e.text for e in rows], SHIPPED_CACHE)
    return train(
        FeatureSpec(()),
        encoder.version,
        [e.text for e in rows],
        vectors,
        [dict(e.labels) for e in rows],
        [1.0] * len(rows),
        LABELS,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--png-dir", type=Path)
    args = parser.parse_args(argv)
    shipped = Heads.load(SHIPPED_MODEL)
    models = {"logistic heads, seed only": old_heads(), "shipped": shipped}
    results: dict[str, dict[str, Quality]] = defaultdict(dict)
    sets, contested = _sets(shipped.encoder)
    for name, (vectors, truth) in sets.items():
        print(f"\n#### {name} ({len(truth)} comments, {sum(truth)} toxic)\n")
        print("| model | ROC AUC | precision | recall | civil published | held |")
        print("|---|---:|---:|---:|---:|---:|")
        for model, heads in models.items():
            scores = [float(s) for s in heads.predict(vectors)[:, heads.labels.index("toxicity")]]
            q = quality("toxicity", truth, scores, THRESHOLD)
            results[name][model] = q
            print(
                f"| {model} | {_share(q.roc_auc)} | {_share(q.precision)} | {_share(q.recall)} "
                f"| {_share(q.negatives_published)} | {q.hold_rate:.3f} |"
            )
        if name in contested:
            split = contested[name]
            civil = np.asarray(truth) == 0
            print("\ncivil published, shipped: ", end="")
            toxic = shipped.predict(vectors)[:, shipped.labels.index("toxicity")]
            for what, rows in (("raters agreed", civil & ~split), ("raters split", split)):
                published = float((toxic[rows] < THRESHOLD).mean())
                print(f"{what} {published:.3f} ({int(rows.sum())}); ", end="")
            print()
    print("\n#### calibration of the shipped version (mean score → observed toxic share)\n")
    print("| set | " + " | ".join(f"{b / 10:.1f}–{(b + 1) / 10:.1f}" for b in range(10)) + " |")
    print("|---|" + "---:|" * 10)
    for name, by_model in results.items():
        cells = [
            "-" if b.observed is None else f"{b.mean_score:.2f}→{b.observed:.2f} ({b.examples})"
            for b in by_model["shipped"].calibration
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    hard = hard_examples("heldout")
    vectors = encode_cached(shared_encoder(), [e.text for e in hard], SHIPPED_CACHE)
    print("\n#### hard cases (held out) per kind: share published at 0.8\n")
    print("| kind | texts | " + " | ".join(models) + " |")
    print("|---|---:|" + "---:|" * len(models))
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(hard):
        by_kind[e.kind].append(i)
    scored = {m: h.predict(vectors)[:, h.labels.index("toxicity")] for m, h in models.items()}
    for kind, index in by_kind.items():
        cells = [f"{float((scored[m][index] < THRESHOLD).mean()):.3f}" for m in models]
        print(f"| {kind} | {len(index)} | " + " | ".join(cells) + " |")
    if args.png_dir is not None:
        for name, by_model in results.items():
            slug = name.split(" (")[0].replace(" ", "-")
            plot([by_model["shipped"]], args.png_dir / f"{slug}.png", f"shipped on {name}")


if __name__ == "__main__":
    main()
