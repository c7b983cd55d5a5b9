"""Scoring throughput: the raw model against the whole service, side by side in one run.

Run:  .venv/bin/python bench/scoring.py [--batch 16] [--comments N] [--concurrency C]
                                        [--only linear|detoxify] [--model-dir DIR] [--skip-int8]
A full run takes about 8 minutes on 2 shared cores; --model-dir keeps the 420 MB model.

For the bundled linear scorer and for a detoxify-size model (bert-base-uncased's shape:
12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary 30522; RANDOM weights, so the
figures are about speed only), it measures on the same texts:

  a. the raw scorer, one text per call, sequentially;
  b. the raw scorer, B texts per call (measured before and after c, to bracket drift);
  c. a real `commentmod serve` subprocess (temporary SQLite database, COMMENTMOD_SCORER_MAX_BATCH
     = B) taking many concurrent `addComment` mutations over HTTP from distinct users:
     comments/s, p50/p99 latency, and the batches the server formed (from /healthz);
  d. c / b: the target is >= 0.85 for the detoxify-size model;

  d'. the same comparison in CPU time: raw CPU per comment over (server + client) CPU per
      comment, from /proc; far less sensitive than d to other processes on a shared machine
      (the "other processes' CPU" row says how much of the machine they took meanwhile);

and, unless --skip-int8, DetoxifyScorer(quantize="int8") against fp32 at B texts per call
(interleaved batch by batch): speed-up and the largest absolute score difference over all
texts and labels (random weights: the difference says little about real weights).

The raw measurements run while no server is running: the server and this client share the
machine's cores. The end-to-end figure includes HTTP, GraphQL, SQLite writes and language
detection on purpose. --rounds repeats c, each round bracketed by raw runs. --trace-server
times the steps of addComment inside the server, --profile-server adds a cProfile of its event
loop, --serialize-writes a what-if with one db.write() at a time (bench/_server_trace.py).
Never run by CI; prints one markdown table.

Run:  .venv/bin/python bench/scoring.py --only detoxify --batch 32 --rounds 2 --trace-server
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench._scoring_model import (  # noqa: E402
    LINEAR_COMMENTS,
    build_bert_base,
    make_texts,
    token_counts,
)
from bench._scoring_raw import paired_throughput  # noqa: E402
from bench._scoring_report import (  # noqa: E402
    ModelResult,
    max_diff,
    measure_model,
    print_table,
    print_trace,
)
from moderation.language import detect  # noqa: E402

# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--batch", type=int, default=16, help="B: batch size (default 16)")
    parser.add_argument(
        "--comments",
        type=int,
        help=f"texts/comments per model (default: 10 x B for detoxify, {LINEAR_COMMENTS} linear)",
    )
    parser.add_argument("--concurrency", type=int, help="concurrent clients (default 2 x B)")
    parser.add_argument("--only", choices=["linear", "detoxify"])
    parser.add_argument("--model-dir", type=Path, help="cache directory for the bert-base model")
    parser.add_argument("--skip-int8", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="end-to-end rounds, each followed by another raw batched run (default 1)",
    )
    parser.add_argument(
        "--sequential",
        type=int,
        default=48,
        help="texts for the detoxify model's one-at-a-time measurement (default 48; "
        "linear uses all)",
    )
    parser.add_argument(
        "--serialize-writes",
        action="store_true",
        help="what-if: run the end-to-end measurement again with the server's db.write() "
        "behind one asyncio.Lock (patched from outside, see bench/_server_trace.py)",
    )
    parser.add_argument(
        "--scorer-timeout",
        type=float,
        default=600.0,
        help="COMMENTMOD_SCORER_TIMEOUT for the server (default 600 s: the service's 2 s "
        "would hold queued comments unscored on a slow CPU, inflating throughput)",
    )
    parser.add_argument(
        "--profile-server",
        action="store_true",
        help="run end to end once more with cProfile on the server's event-loop thread "
        "during the timed part, and print where its CPU time goes (figures of that run are "
        "not reported: profiling slows the loop)",
    )
    parser.add_argument(
        "--trace-server",
        action="store_true",
        help="time the steps of addComment inside the server (bench/_server_trace.py) and "
        "print where the end-to-end time goes",
    )
    args = parser.parse_args(argv)
    if min(args.batch, args.rounds, args.concurrency or 1) < 1:
        parser.error("--batch, --concurrency and --rounds must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    import torch

    batch = args.batch
    detox_count = args.comments or 10 * batch
    linear_count = 0 if args.only == "detoxify" else args.comments or LINEAR_COMMENTS
    texts = make_texts(max(detox_count, linear_count), args.seed)
    english = sum(detect(t).language == "en" for t in texts)

    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scoring-")))
        model_dir = args.model_dir or workdir / "model"
        model_dir.mkdir(parents=True, exist_ok=True)
        print(f"building/reusing the bert-base-size model in {model_dir} ...", flush=True)
        started = time.perf_counter()
        checkpoint, config_dir = build_bert_base(model_dir)
        print(f"  ready in {time.perf_counter() - started:.1f}s", flush=True)
        counts = token_counts(config_dir, texts[:detox_count])
        mean_tokens = statistics.fmean(counts)
        results: list[ModelResult] = []

        if args.only in (None, "linear"):
            from moderation.scorers.linear import LinearScorer

            results.append(
                measure_model(
                    "linear",
                    LinearScorer(),
                    {"COMMENTMOD_SCORER": "linear"},
                    texts[:linear_count],
                    args,
                    workdir,
                )
            )

        if args.only in (None, "detoxify"):
            from moderation.scorers.detoxify import DetoxifyScorer

            print("[detoxify] loading fp32 ...", flush=True)
            fp32 = DetoxifyScorer("original", checkpoint=checkpoint, config_dir=config_dir)
            detox_texts = texts[:detox_count]
            env = {
                "COMMENTMOD_SCORER": "detoxify:original",
                "COMMENTMOD_DETOXIFY_CHECKPOINT": str(checkpoint),
                "COMMENTMOD_DETOXIFY_CONFIG_DIR": str(config_dir),
            }
            result = measure_model(
                "detoxify:original (bert-base size, random)",
                fp32,
                env,
                detox_texts,
                args,
                workdir,
                sequential_texts=args.sequential,
            )
            if not args.skip_int8:
                print("[detoxify] int8, batched ...", flush=True)
                int8 = DetoxifyScorer(
                    "original", checkpoint=checkpoint, config_dir=config_dir, quantize="int8"
                )
                result.int8_fp32, result.int8 = paired_throughput(fp32, int8, detox_texts, batch)
                result.int8_max_diff = max_diff(result.int8_fp32.scores, result.int8.scores)
            results.append(result)

    command = shlex.join([Path(sys.executable).name, *sys.argv])
    header = (
        f"`{command}` | torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs | B={batch}, concurrency {args.concurrency or 2 * batch} | "
        f"{len(texts)} texts generated ({english} detected as en), "
        f"mean {mean_tokens:.1f} tokens (min {min(counts)}, max {max(counts)}) for the detoxify "
        f"tokenizer over the first {detox_count}"
    )
    print_table(results, header, batch)
    for r in results:
        if r.rounds and r.rounds[0].trace:
            print_trace(f"{r.name}, round 1", r.rounds[0])
        if r.e2e_serial is not None and r.e2e_serial.trace:
            print_trace(f"{r.name}, db.write() serialised", r.e2e_serial)
    for r in results:
        if r.e2e.profile:
            print(f"### server profile ({r.name}), event-loop thread\n\n```\n{r.e2e.profile}```")


if __name__ == "__main__":
    main()
