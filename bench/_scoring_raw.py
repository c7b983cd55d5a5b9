"""bench/scoring.py's raw scorer runs: the model called directly, one text or B texts per call."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from moderation.scorers.base import Scorer  # noqa: E402

# ----------------------------------------------------------------------------- raw scorer


def call_kind(scorer: Scorer) -> str:
    return "score_sync" if callable(getattr(scorer, "score_sync", None)) else "await score"


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all processes), from
    /proc/stat; nan where there is none."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class RawRun:
    per_second: float
    seconds: float
    scores: list[dict[str, float]]
    # CPU seconds of this whole process (every thread) per text.
    cpu_per_text: float = 0.0
    # Cores' worth of CPU other processes used meanwhile: the noise on a shared machine.
    foreign_cores: float = float("nan")


def paired_throughput(
    first: Scorer, second: Scorer, texts: Sequence[str], batch: int
) -> tuple[RawRun, RawRun]:
    """Two scorers side by side: batch by batch, alternating which goes first, so drift in
    the machine's load falls on both alike. Each needs ``score_sync``."""
    calls = [first.score_sync, second.score_sync]  # type: ignore[attr-defined]
    chunks = [list(texts[start : start + batch]) for start in range(0, len(texts), batch)]
    for call in calls:
        call(chunks[0])
    seconds, cpu = [0.0, 0.0], [0.0, 0.0]
    scores: list[list[dict[str, float]]] = [[], []]
    for n, chunk in enumerate(chunks):
        for i in (0, 1) if n % 2 == 0 else (1, 0):
            c, started = time.process_time(), time.perf_counter()
            scores[i].extend(calls[i](chunk))
            seconds[i] += time.perf_counter() - started
            cpu[i] += time.process_time() - c
    runs = [
        RawRun(len(texts) / seconds[i], seconds[i], scores[i], cpu[i] / len(texts)) for i in (0, 1)
    ]
    return runs[0], runs[1]


def raw_throughput(scorer: Scorer, texts: Sequence[str], batch: int) -> RawRun:
    """Score ``texts`` ``batch`` at a time, one call after another, on this thread when the
    scorer has a synchronous entry point (``score_sync``), else through its async ``score``."""
    chunks = [list(texts[start : start + batch]) for start in range(0, len(texts), batch)]
    sync: Callable[[Sequence[str]], list[dict[str, float]]] | None = getattr(
        scorer, "score_sync", None
    )
    scores: list[dict[str, float]] = []
    if callable(sync):
        sync(chunks[0])  # warm-up: first-call allocations, lazy imports
        busy, cpu, started = machine_busy(), time.process_time(), time.perf_counter()
        for chunk in chunks:
            scores.extend(sync(chunk))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        busy = machine_busy() - busy
    else:

        async def run() -> tuple[float, float, float]:
            await scorer.score(chunks[0])
            busy, cpu, started = machine_busy(), time.process_time(), time.perf_counter()
            for chunk in chunks:
                scores.extend(await scorer.score(chunk))
            seconds = time.perf_counter() - started
            return seconds, time.process_time() - cpu, machine_busy() - busy

        seconds, cpu, busy = asyncio.run(run())
    foreign = (busy - cpu) / seconds
    return RawRun(len(texts) / seconds, seconds, scores, cpu / len(texts), foreign)
