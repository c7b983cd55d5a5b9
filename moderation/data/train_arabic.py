"""Trains the Arabic scorer's cold-start model on arabic.jsonl and prints its figures.

    python -m moderation.data.train_arabic            # retrain, write arabic_model/, print
    python -m moderation.data.train_arabic --check    # figures of the shipped model only

Deterministic: the same data gives the same arrays (liblinear, fixed folds). Only the
`"split": "train"` rows are trained on; the `"eval"` rows (other template families)
are the held-back validation set.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.ngram_model import NgramModel, train

DATA = Path(__file__).with_name("arabic.jsonl")
MODEL_DIR = Path(__file__).with_name("arabic_model")
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
HOLD_THRESHOLD = 0.8


def load(path: Path = DATA) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def fit(rows: Sequence[dict[str, Any]]) -> NgramModel:
    texts = [str(r["text"]) for r in rows]
    targets = {label: [int(r["labels"][label]) for r in rows] for label in LABELS}
    groups = [str(r.get("family", r.get("kind", "all"))) for r in rows]
    return train(texts, targets, groups, info={"trained_on": f"{len(rows)} rows"})


@dataclass(frozen=True)
class Figures:
    rows: int
    abusive: int
    roc_auc: float | None
    # At the hold threshold: a comment is held when any label reaches it.
    normal_published: float | None
    abusive_held: float | None

    def line(self, name: str) -> str:
        def pct(v: float | None) -> str:
            return "-" if v is None else f"{100 * v:5.1f}%"

        auc = "-" if self.roc_auc is None else f"{self.roc_auc:.3f}"
        return (
            f"{name:22} {self.rows:5} {self.abusive:5}  {auc:>6}  "
            f"{pct(self.normal_published):>7}  {pct(self.abusive_held):>7}"
        )


def figures(
    truth: Sequence[int], scores: Sequence[dict[str, float]], threshold: float = HOLD_THRESHOLD
) -> Figures:
    from sklearn.metrics import roc_auc_score

    toxicity = [s.get("toxicity", 0.0) for s in scores]
    held = [max(s.values(), default=0.0) >= threshold for s in scores]
    abusive = sum(truth)
    normal = len(truth) - abusive
    auc = float(roc_auc_score(list(truth), toxicity)) if 0 < abusive < len(truth) else None
    return Figures(
        rows=len(truth),
        abusive=abusive,
        roc_auc=auc,
        normal_published=(
            sum(1 for t, h in zip(truth, held, strict=True) if not t and not h) / normal
            if normal
            else None
        ),
        abusive_held=(
            sum(1 for t, h in zip(truth, held, strict=True) if t and h) / abusive
            if abusive
            else None
        ),
    )


def report(model: NgramModel, rows: Sequence[dict[str, Any]]) -> dict[str, Figures]:
    scores = model.score([str(r["text"]) for r in rows])
    out: dict[str, Figures] = {}
    keys: list[tuple[str, str | None, str | None]] = [("train", None, None), ("eval", None, None)]
    keys += [("eval", "dialect", d) for d in ("msa", "lev", "az")]
    keys += [("eval", "kind", k) for k in sorted({str(r["kind"]) for r in rows})]
    for split, field, value in keys:
        picked = [
            i
            for i, r in enumerate(rows)
            if r["split"] == split and (field is None or r[field] == value)
        ]
        if not picked:
            continue
        name = split if field is None else f"{split} {value}"
        out[name] = figures(
            [int(rows[i]["labels"]["toxicity"]) for i in picked], [scores[i] for i in picked]
        )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="evaluate the shipped model only")
    args = parser.parse_args(argv)
    rows = load()
    if args.check:
        model = NgramModel.load(MODEL_DIR)
    else:
        model = fit([r for r in rows if r["split"] == "train"])
        model.save(MODEL_DIR)
        print(f"wrote {MODEL_DIR} ({model.version})")
    print(f"model {model.version}; held when any label >= {HOLD_THRESHOLD}")
    print(f"{'split':22} {'rows':>5} {'abus.':>5}  {'AUC':>6}  {'normal':>7}  {'abusive':>7}")
    print(f"{'':22} {'':5} {'':5}  {'':6}  {'publ.':>7}  {'held':>7}")
    for name, result in report(model, rows).items():
        print(result.line(name))


if __name__ == "__main__":
    main()
