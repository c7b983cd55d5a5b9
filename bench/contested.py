"""Experiment (issue 21): what to do with the civil tweets whose raters split.

Run:  nice -n 5 .venv/bin/python bench/contested.py [--variants keep,drop,flip]

Not run by CI; the results are in docs/scoring-quality.md ("Tweets whose raters split").
Needs ../shared/datasets. A third of Davidson's "neither" tweets were called hateful or
offensive by one of their raters. Each variant fine-tunes the encoder's top two layers
as `make scorer-data` does (2 epochs, hard cases x2, 96-token states cached under
--cache) and trains a fresh network head, with those tweets

- keep: as civil (the release before),
- drop: left out of training (this release),
- flip: as toxic,

then prints, for three ways of placing the operating point (95% of every validation
set's civil comments published; 95% and 96% of the civil comments raters agreed on),
precision, recall and civil published per held-back set, the agreed and contested
civil tweets apart, and the hard cases per kind.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import torch
from finetune_top import REPORT, TRAIN, toxicity_logits
from sklearn.metrics import roc_auc_score

from moderation.learning import corpora
from moderation.learning.examples import Example, load_seed
from moderation.learning.finetune import (
    Settings,
    embed,
    frozen_states,
    load_model,
    top_layers,
    train_top,
)
from moderation.learning.trainer import WEIGHTS, hard_examples

VALIDATION = ("davidson-validation", "surge-validation")


def all_sets() -> dict[str, list[Example]]:
    """Every set by name, Davidson's train split whole (contested tweets included)."""
    sets: dict[str, list[Example]] = {}
    for corpus, rows in corpora.load(corpora.DEFAULT_ROOT).items():
        for split in ("train", "validation", "test"):
            sets[f"{corpus}-{split}"] = [e for e in rows if e.split == split]
    seed = load_seed()
    sets["seed-train"] = [e for e in seed if e.split == "train"]
    sets["seed-eval"] = [e for e in seed if e.split == "eval"]
    sets["hard-train"] = hard_examples("train")
    sets["hard-heldout"] = hard_examples("heldout")
    return sets


def variant_train(
    rows: list[Example], states: list[torch.Tensor], variant: str
) -> tuple[list[Example], list[torch.Tensor]]:
    kept: list[tuple[Example, torch.Tensor]] = []
    for e, s in zip(rows, states, strict=True):
        if corpora.contested_civil(e):
            if variant == "drop":
                continue
            if variant == "flip":
                e = replace(e, labels={**e.labels, "toxicity": 1})
        kept.append((e, s))
    return [e for e, _ in kept], [s for _, s in kept]


def point(logits: np.ndarray, civil: np.ndarray, share: float) -> float:
    """As operating.choose: halfway past the last civil logit that must stay below."""
    ordered = np.sort(logits[civil])
    i = min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)
    return float((ordered[i] + ordered[i + 1]) / 2 if i + 1 < len(ordered) else ordered[i] + 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default="keep,drop,flip")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/issue21-cache"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    tok, model = load_model()
    sets = all_sets()
    args.cache.mkdir(parents=True, exist_ok=True)
    cache = args.cache / "contested-states-b4-l96.pt"
    if cache.is_file():
        states = torch.load(cache)
    else:
        states = {
            s: frozen_states(model, tok, [e.text for e in rows], 4, 96) for s, rows in sets.items()
        }
        torch.save(states, cache)
    weights = {**WEIGHTS, "hard": 2.0}
    truth = {s: np.array([e.labels["toxicity"] for e in sets[s]]) for s in REPORT}
    split = {s: np.array([corpora.contested_civil(e) for e in sets[s]]) for s in REPORT}
    for variant in args.variants.split(","):
        rows, kept = variant_train(sets["davidson-train"], states["davidson-train"], variant)
        vsets, vstates = {**sets, "davidson-train": rows}, {**states, "davidson-train": kept}
        top = top_layers(model, 2)
        train_top(
            top,
            {source: vstates[name] for name, source in TRAIN.items()},
            {source: vsets[name] for name, source in TRAIN.items()},
            Settings(top=2, epochs=2, hard_weight=2.0),
            weights,
            log=lambda m: print(m, flush=True),
        )
        vectors = {s: embed(top, vstates[s]) for s in vsets}
        raw = toxicity_logits(vectors, vsets, weights)
        print(f"\n## contested civil tweets: {variant}")
        print("| set | ROC AUC | ROC AUC, agreed civil vs toxic |")
        for s in REPORT:
            agreed = ~split[s]
            print(
                f"| {s} | {roc_auc_score(truth[s], raw[s]):.3f} "
                f"| {roc_auc_score(truth[s][agreed], raw[s][agreed]):.3f} |"
            )
        rules = {
            "95% of civil published": (0.95, False),
            "95% of agreed civil published": (0.95, True),
            "96% of agreed civil published": (0.96, True),
        }
        for rule, (share, agreed_only) in rules.items():
            at = max(
                point(raw[s], (truth[s] == 0) & ~(split[s] & agreed_only), share)
                for s in VALIDATION
            )
            print(f"\n### {variant}, operating point: {rule}")
            print("| set | precision | recall | civil published | agreed | contested |")
            for s in REPORT:
                held = raw[s] >= at
                toxic, civil = truth[s] == 1, truth[s] == 0

                def published(rows: np.ndarray, held: np.ndarray = held) -> str:
                    return f"{1 - held[rows].mean():.3f}" if rows.any() else "-"

                print(
                    f"| {s} | {(held & toxic).sum() / max(1, held.sum()):.3f} "
                    f"| {(held & toxic).sum() / toxic.sum():.3f} | {published(civil)} "
                    f"| {published(civil & ~split[s])} | {published(split[s])} |"
                )
            kinds = np.array([e.kind for e in sets["hard-heldout"]])
            hard = raw["hard-heldout"] >= at
            print(
                "hard cases published per kind: "
                + ", ".join(f"{k} {1 - hard[kinds == k].mean():.3f}" for k in sorted(set(kinds)))
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
