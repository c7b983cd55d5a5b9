"""bench/scoring.py's measurements per model, and the markdown table it prints."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench._scoring_e2e import (  # noqa: E402
    EndToEnd,
    end_to_end,
)
from bench._scoring_raw import RawRun, call_kind, raw_throughput  # noqa: E402
from moderation.scorers.base import Scorer  # noqa: E402

# ----------------------------------------------------------------------------- report


@dataclass
class ModelResult:
    name: str
    call: str
    sequential: RawRun
    batched: list[RawRun]
    e2e: EndToEnd  # all rounds together
    comments: int
    rounds: list[EndToEnd] = field(default_factory=list)
    int8: RawRun | None = None
    int8_fp32: RawRun | None = None
    int8_max_diff: float | None = None
    e2e_serial: EndToEnd | None = None

    @property
    def batched_per_second(self) -> float:
        return statistics.fmean(run.per_second for run in self.batched)

    def round_ratios(self) -> list[float]:
        """Each round's c over the mean of the raw runs right before and after it."""
        return [
            e.per_second
            / statistics.fmean((self.batched[i].per_second, self.batched[i + 1].per_second))
            for i, e in enumerate(self.rounds)
        ]


def merge(rounds: Sequence[EndToEnd]) -> EndToEnd:
    """Rounds of the end-to-end measurement as one: mean throughput, everything else pooled."""
    first = rounds[0]
    if len(rounds) == 1:
        return first

    def total(key: str) -> int | None:
        values = [getattr(e, key) for e in rounds]
        return None if None in values else sum(values)

    def weighted(key: str) -> float:
        done = sum(len(e.latencies) for e in rounds)
        return sum(float(getattr(e, key)) * len(e.latencies) for e in rounds) / done

    statuses: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for e in rounds:
        for k, v in e.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in (e.sizes or {}).items():
            sizes[k] = sizes.get(k, 0) + v
    largest = [e.largest_batch for e in rounds if e.largest_batch is not None]
    return EndToEnd(
        statistics.fmean(e.per_second for e in rounds),
        sum(e.seconds for e in rounds),
        [x for e in rounds for x in e.latencies],
        statuses,
        requests=total("requests"),
        batches=total("batches"),
        largest_batch=max(largest) if largest else None,
        unavailable=total("unavailable"),
        sizes=sizes if any(e.sizes for e in rounds) else None,
        trace=first.trace,
        errors=[x for e in rounds for x in e.errors],
        cpu_loop=weighted("cpu_loop"),
        cpu_threads=weighted("cpu_threads"),
        cpu_client=weighted("cpu_client"),
        threads=max(e.threads for e in rounds),
        foreign_cores=statistics.fmean(e.foreign_cores for e in rounds),
    )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def max_diff(a: Sequence[dict[str, float]], b: Sequence[dict[str, float]]) -> float:
    return max(abs(x[label] - y[label]) for x, y in zip(a, b, strict=True) for label in x)


def measure_model(
    name: str,
    scorer: Scorer,
    scorer_env: dict[str, str],
    texts: Sequence[str],
    args: argparse.Namespace,
    workdir: Path,
    sequential_texts: int | None = None,
) -> ModelResult:
    batch, concurrency = args.batch, args.concurrency or 2 * args.batch
    call = call_kind(scorer)
    few = texts[: sequential_texts or len(texts)]
    print(f"[{name}] raw sequential on {len(few)} texts ...", flush=True)
    sequential = raw_throughput(scorer, few, 1)
    print(f"[{name}] raw batched (B={batch}) ...", flush=True)
    first = raw_throughput(scorer, texts, batch)
    batched, rounds = [first], []
    for round_ in range(1, args.rounds + 1):
        print(
            f"[{name}] end to end (round {round_}/{args.rounds}): {len(texts)} addComment, "
            f"concurrency {concurrency} ...",
            flush=True,
        )
        rounds.append(
            end_to_end(
                scorer_env,
                texts,
                batch=batch,
                concurrency=concurrency,
                timeout=args.scorer_timeout,
                workdir=workdir,
                profile=False,
                trace=args.trace_server,
            )
        )
        print(f"[{name}] raw batched again (after the server) ...", flush=True)
        batched.append(raw_throughput(scorer, texts, batch))
    result = ModelResult(name, call, sequential, batched, merge(rounds), len(texts), rounds)
    if args.serialize_writes:
        print(f"[{name}] what-if: end to end with db.write() serialised ...", flush=True)
        result.e2e_serial = end_to_end(
            scorer_env,
            texts,
            batch=batch,
            concurrency=concurrency,
            timeout=args.scorer_timeout,
            workdir=workdir,
            profile=False,
            trace=True,
            serialize_writes=True,
        )
    if args.profile_server:
        print(f"[{name}] end to end again, under cProfile ...", flush=True)
        profiled = end_to_end(
            scorer_env,
            texts,
            batch=batch,
            concurrency=concurrency,
            timeout=args.scorer_timeout,
            workdir=workdir,
            profile=True,
            trace=True,
        )
        result.e2e.profile = profiled.profile
    return result


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def print_table(results: list[ModelResult], header: str, batch: int) -> None:
    names = [r.name for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, cell: Callable[[ModelResult], str]) -> None:
        rows.append((label, [cell(r) for r in results]))

    row("comments (texts)", lambda r: str(r.comments))
    row("raw call", lambda r: r.call)
    row(
        "a. raw sequential, comments/s",
        lambda r: f"{_fmt(r.sequential.per_second)} ({len(r.sequential.scores)} texts)",
    )
    row(
        f"b. raw batched B={batch}, comments/s (runs: before c / after each c)",
        lambda r: (
            f"**{_fmt(r.batched_per_second)}** "
            f"({' / '.join(_fmt(b.per_second) for b in r.batched)})"
        ),
    )
    row(
        "b / a (batching gain)",
        lambda r: _fmt(r.batched_per_second / r.sequential.per_second, ".2f"),
    )
    row(
        "c. end-to-end addComment, comments/s",
        lambda r: (
            f"**{_fmt(r.e2e.per_second)}**"
            + (
                f" ({' / '.join(_fmt(e.per_second) for e in r.rounds)})"
                if len(r.rounds) > 1
                else ""
            )
        ),
    )
    row(
        "c. latency p50 / p99, ms",
        lambda r: (
            f"{_fmt(1000 * _percentile(r.e2e.latencies, 0.5), '.0f')} / "
            f"{_fmt(1000 * _percentile(r.e2e.latencies, 0.99), '.0f')}"
        ),
    )

    def batches(r: ModelResult) -> str:
        e = r.e2e
        if not e.batches or e.requests is None:
            return "unavailable"
        text = f"{e.batches} batches, mean {e.requests / e.batches:.1f}, largest {e.largest_batch}"
        if e.sizes:
            text += " (" + ", ".join(f"{k}x{v}" for k, v in sorted(e.sizes.items())) + ")"
        return text

    row("c. server batches (from /healthz)", batches)
    row("c. texts scored by the server", lambda r: str(r.e2e.requests))
    row("c. held SCORER_UNAVAILABLE", lambda r: str(r.e2e.unavailable))
    row(
        "c. statuses",
        lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.e2e.statuses.items())) or "-",
    )
    row("c. GraphQL errors", lambda r: str(len(r.e2e.errors)))

    def cpu(r: ModelResult) -> str:
        e = r.e2e
        raw = 1000 * statistics.fmean(b.cpu_per_text for b in r.batched)
        server = 1000 * (e.cpu_loop + e.cpu_threads)
        return (
            f"raw b {raw:.1f}; server {server:.1f} = event loop {1000 * e.cpu_loop:.1f} "
            f"+ other threads {1000 * e.cpu_threads:.1f} ({e.threads} threads); "
            f"client {1000 * e.cpu_client:.1f}"
        )

    row("CPU ms per comment (user+sys)", cpu)

    def noise(r: ModelResult) -> str:
        raw = " / ".join(_fmt(b.foreign_cores, ".2f") for b in r.batched)
        e2e = " / ".join(_fmt(e.foreign_cores, ".2f") for e in r.rounds)
        return f"during b: {raw}; during c: {e2e}"

    row(f"other processes' CPU, cores of {os.cpu_count()} (noise)", noise)

    def ratio(r: ModelResult) -> str:
        value = r.e2e.per_second / r.batched_per_second
        verdict = ""
        if r.name.startswith("detoxify"):
            verdict = " (target >= 0.85: " + ("met" if value >= 0.85 else "NOT met") + ")"
        if len(r.rounds) > 1:
            verdict += "; per round, vs the raw runs around it: " + ", ".join(
                f"{x:.2f}" for x in r.round_ratios()
            )
        return f"**{value:.2f}**{verdict}"

    row("d. c / b", ratio)

    def cpu_ratio(r: ModelResult) -> str:
        raw = statistics.fmean(b.cpu_per_text for b in r.batched)
        e = r.e2e
        return f"{raw / (e.cpu_loop + e.cpu_threads + e.cpu_client):.2f}"

    row("d'. CPU per comment: raw b / (server + client)", cpu_ratio)
    if any(r.int8 is not None for r in results):
        row(
            f"int8: fp32 / int8 batched B={batch}, comments/s (interleaved batch by batch)",
            lambda r: (
                "n/a"
                if r.int8 is None or r.int8_fp32 is None
                else f"{_fmt(r.int8_fp32.per_second)} / {_fmt(r.int8.per_second)}"
            ),
        )
        row(
            "int8: speed-up vs fp32",
            lambda r: (
                "n/a"
                if r.int8 is None or r.int8_fp32 is None
                else f"**{r.int8.per_second / r.int8_fp32.per_second:.2f}x**"
            ),
        )
        row(
            "int8: max abs score diff vs fp32 (all texts, labels)",
            lambda r: _fmt(r.int8_max_diff, ".4f"),
        )

    if any(r.e2e_serial is not None for r in results):

        def serial(r: ModelResult) -> str:
            e = r.e2e_serial
            if e is None:
                return "n/a"
            return (
                f"{_fmt(e.per_second)}/s ({e.per_second / r.batched_per_second:.2f} of b), "
                f"p50 {1000 * _percentile(e.latencies, 0.5):.0f} ms, "
                f"p99 {1000 * _percentile(e.latencies, 0.99):.0f} ms, "
                f"{len(e.errors)} errors"
            )

        row("what-if c, db.write() serialised", serial)

    print()
    print(header)
    print()
    print("| measurement | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, cells in rows:
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()


TRACE_STEPS = (
    ("add_comment", "addComment service call, whole"),
    ("db_read_enter", "  db.read(): open session"),
    ("db_read_body", "  db.read(): article + settings queries"),
    ("judge", "  judge(): policy + pipeline"),
    ("policy", "    policy (PolicyCache)"),
    ("detect", "    language detection (event loop)"),
    ("score_wait", "    waiting for the score: batcher queue + batch"),
    ("write_lock_wait", "  what-if: in-process write lock wait"),
    ("write_enter", "  db.write(): enter (Database's own write lock, if any, + session)"),
    ("write_body", "  db.write(): statements, incl. checkout + BEGIN IMMEDIATE wait"),
    ("write_commit", "  db.write(): flush + COMMIT"),
    ("batch_score", "scorer.score() per batch (worker thread)"),
    ("loop_lag", "event-loop lag per 10 ms sleep"),
)


def print_trace(name: str, e2e: EndToEnd) -> None:
    assert e2e.trace is not None
    totals, counts, maxima = (e2e.trace[k] for k in ("totals", "counts", "maxima"))
    comments, wall = len(e2e.latencies), e2e.seconds
    print(f"### where the time goes: {name}, {comments} comments in {wall:.1f}s\n")
    print("| step | calls | mean ms per call | max ms | sum s | sum / wall |")
    print("|---|---|---|---|---|---|")
    for key, label in TRACE_STEPS:
        if key not in counts:
            continue
        total, count = float(totals[key]), int(counts[key])
        print(
            f"| {label} | {count} | {1000 * total / count:.1f} | {1000 * maxima[key]:.0f} | "
            f"{total:.1f} | {total / wall:.2f} |"
        )
    print()
