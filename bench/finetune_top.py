"""Experiment (issue 21): fine-tune the top transformer layers of all-MiniLM-L6-v2.

Run:  nice -n 15 .venv/bin/python bench/finetune_top.py [--steps 170] [--hard-weight 1]
      [--top 2] [--max-len 96] [--lr 5e-5] [--budget 900] [--save top.pt]

Not run by CI; the results and what they mean are in docs/scoring-quality.md ("Tried,
not shipped"). Needs ../shared/datasets (the real sets' texts). The embeddings and the
bottom (6 - top) layers stay frozen: they run ONCE over every training and held-back
text, and their token states are cached under --cache (float16, about 300 MB), then only
the top layers (+ mean pooling + a network head) are trained on the cached states, so a
step costs about a third of a full forward and backward pass. Training stops after
--steps batches or --budget seconds, whichever comes first.

Both the frozen encoder (today's shipped scorer) and the fine-tuned one then go through
the pipeline of `make scorer-data`: a fresh network head (`moderation.learning.network.fit`,
the shipped source weights) on the sentence embeddings, the operating point on the real
validation splits (`moderation.learning.operating.choose`), and the figures at 0.8 per
held-back set, printed as tables. --save writes the fine-tuned layers in float16
(7.1 MB for two layers).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from moderation.learning import corpora, network, operating
from moderation.learning.examples import LABELS, Example, load_seed
from moderation.learning.finetune import (
    Settings,
    embed,
    frozen_states,
    load_model,
    top_layers,
    train_top,
)
from moderation.learning.quality import quality
from moderation.learning.trainer import WEIGHTS, hard_examples

THRESHOLD = 0.8


def texts_by_set() -> dict[str, list[Example]]:
    """Every training and held-back set, by name."""
    sets: dict[str, list[Example]] = {}
    for corpus, rows in corpora.load(corpora.DEFAULT_ROOT).items():
        for split in ("train", "validation", "test"):
            sets[f"{corpus}-{split}"] = [
                e
                for e in rows
                if e.split == split and not (split == "train" and corpora.contested_civil(e))
            ]
    seed = load_seed()
    sets["seed-train"] = [e for e in seed if e.split == "train"]
    sets["seed-eval"] = [e for e in seed if e.split == "eval"]
    sets["hard-train"] = hard_examples("train")
    sets["hard-heldout"] = hard_examples("heldout")
    return sets


TRAIN = {
    "davidson-train": "davidson",
    "surge-train": "surge",
    "seed-train": "seed",
    "hard-train": "hard",
}
VALID = ("davidson-validation", "surge-validation", "seed-eval", "hard-heldout")
REPORT = (
    "davidson-validation",
    "davidson-test",
    "surge-validation",
    "surge-test",
    "seed-eval",
    "hard-heldout",
)


def toxicity_logits(
    vectors: dict[str, np.ndarray],
    sets: dict[str, list[Example]],
    weights: dict[str, float] = WEIGHTS,
) -> dict[str, np.ndarray]:
    """A fresh network head trained on the TRAIN sets (weighted by source); its raw
    toxicity logits on every REPORT set."""
    design = np.vstack([vectors[s] for s in TRAIN]).astype(np.float32)
    labels = [dict(e.labels) for s in TRAIN for e in sets[s]]
    row_weights = np.concatenate(
        [np.full(len(sets[s]), weights[c], dtype=np.float32) for s, c in TRAIN.items()]
    )
    truth, known = network.label_matrix(labels, LABELS)
    layers = network.fit(design, truth, known, row_weights)
    j = LABELS.index("toxicity")
    return {s: network.logits(layers, vectors[s])[:, j] for s in REPORT}


def pipeline(
    name: str, vectors: dict[str, np.ndarray], sets: dict[str, list[Example]]
) -> dict[str, Any]:
    """The shipped pipeline on these embeddings: network head, operating point, figures."""
    raw = toxicity_logits(vectors, sets)
    tox = {s: np.array([e.labels["toxicity"] for e in sets[s]]) for s in REPORT}
    # As the trainer does: the civil tweets whose raters split do not set the point.
    agreed = {s: np.array([not corpora.contested_civil(e) for e in sets[s]]) for s in REPORT}
    point = operating.choose(
        {s: (raw[s][agreed[s]], tox[s][agreed[s]]) for s in VALID if s.endswith("validation")},
        THRESHOLD,
    )
    out: dict[str, Any] = {}
    for s in REPORT:
        scores = 1 / (1 + np.exp(-np.clip(raw[s] * point.scale + point.shift, -60, 60)))
        q = quality("toxicity", tox[s].tolist(), scores.tolist(), THRESHOLD)
        out[s] = q
        if s == "hard-heldout":
            kinds: dict[str, list[int]] = {}
            for i, e in enumerate(sets[s]):
                kinds.setdefault(e.kind, []).append(i)
            out["kinds"] = {k: float((scores[v] < THRESHOLD).mean()) for k, v in kinds.items()}
        if s == "seed-eval":
            # Disguised abuse (m0r0n, i.d.i.o.t), scored as written (no undisguising here).
            hidden = [i for i, e in enumerate(sets[s]) if e.kind.endswith("+obfuscated")]
            out["obfuscated"] = float((scores[hidden] >= THRESHOLD).mean())
    print(f"\n## {name}  ({point.why})")
    print("| set | AUC | precision | recall | civil published |")
    for s in REPORT:
        q = out[s]
        print(
            f"| {s} | {q.roc_auc:.3f} | {q.precision or 0:.3f} | {q.recall or 0:.3f} "
            f"| {q.negatives_published:.3f} |"
        )
    print(
        "hard cases published per kind: "
        + ", ".join(f"{k} {v:.3f}" for k, v in out["kinds"].items())
        + f"; seed eval obfuscated abuse held (as written) {out['obfuscated']:.3f}",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--top", type=int, default=2)
    parser.add_argument("--max-len", type=int, default=96)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--budget", type=float, default=900.0, help="training seconds at most")
    parser.add_argument("--steps", type=int, default=10**9, help="training batches at most")
    parser.add_argument(
        "--hard-weight",
        type=float,
        default=WEIGHTS["hard"],
        help="weight of the hard cases' training texts",
    )
    parser.add_argument("--skip-base", action="store_true", help="no frozen-encoder figures")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/issue21-cache"))
    parser.add_argument("--save", type=Path, help="write the fine-tuned top layers (fp16) here")
    args = parser.parse_args()
    torch.set_num_threads(2)
    tok, model = load_model()
    bottom = 6 - args.top
    sets = texts_by_set()
    args.cache.mkdir(parents=True, exist_ok=True)
    cache = args.cache / f"states-b{bottom}-l{args.max_len}.pt"
    started = time.perf_counter()
    if cache.is_file():
        states = torch.load(cache)
    else:
        states = {
            s: frozen_states(model, tok, [e.text for e in rows], bottom, args.max_len)
            for s, rows in sets.items()
        }
        torch.save(states, cache)
    print(
        f"frozen states: {sum(len(v) for v in states.values())} texts "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    top = top_layers(model, args.top)
    base_cache = args.cache / f"base-vectors-b{bottom}-l{args.max_len}.npz"
    if base_cache.is_file():
        with np.load(base_cache) as f:
            base = {k: f[k] for k in f.files}
    else:
        base = {s: embed(top, states[s]) for s in sets}
        np.savez(base_cache, **base)
    if not args.skip_base:
        pipeline("frozen encoder (today)", base, sets)
    settings = Settings(
        top=args.top,
        epochs=args.epochs,
        lr=args.lr,
        batch=args.batch,
        max_len=args.max_len,
        hard_weight=args.hard_weight,
    )
    train_top(
        top,
        {source: states[name] for name, source in TRAIN.items()},
        {source: sets[name] for name, source in TRAIN.items()},
        settings,
        {**WEIGHTS, "hard": args.hard_weight},
        budget_s=args.budget,
        steps_max=args.steps,
        log=lambda m: print(m, flush=True),
    )
    tuned = {s: embed(top, states[s]) for s in sets}
    np.savez(args.cache / f"tuned-vectors-{time.strftime('%H%M%S')}.npz", **tuned)
    pipeline(
        f"top {args.top} layers fine-tuned, lr {args.lr}, hard ×{args.hard_weight}", tuned, sets
    )
    if args.save is not None:
        state = {k: v.to(torch.float16) for k, v in top.state_dict().items()}
        torch.save(state, args.save)
        print(f"saved {args.save} ({args.save.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
