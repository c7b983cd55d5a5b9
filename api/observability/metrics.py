"""The Prometheus metrics and the functions that record into them.

Under `commentmod serve` every process writes its figures to files in a directory
that `serve` makes (PROMETHEUS_MULTIPROC_DIR, prometheus-client's multiprocess mode),
so /metrics answers the sum over all `--workers`; gauges of live things (connections,
subscriptions, pooled database connections) add up the processes that are alive.
Without that directory (tests, an embedding app) the figures are this process's own.

Label values are bounded: GraphQL operation names are the client's to choose, so only
the first MAX_OPERATIONS distinct well-formed names get their own series; the rest
are counted as "other".
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import time
from collections import Counter as TallyCounter
from typing import Any, Final

from prometheus_client import Counter, Gauge, Histogram

from moderation.batcher import BatchReport
from moderation.decision import Decision

MAX_OPERATIONS: Final = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_known: set[str] = set()
_known_lock = threading.Lock()

REQUESTS = Counter(
    "commentmod_requests",
    "HTTP requests answered, by GraphQL operation name (or route) and HTTP status.",
    ["operation", "status"],
)
LATENCY = Histogram(
    "commentmod_request_duration_seconds",
    "Time to answer a request, by GraphQL operation name (or route) and HTTP status.",
    ["operation", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DECISIONS = Counter(
    "commentmod_comment_decisions",
    "Moderation decisions on new comments, by status and reason (one per reason; "
    'reason "NONE" when there was none).',
    ["status", "reason"],
)
BATCH_SIZE = Histogram(
    "commentmod_scorer_batch_size",
    "Texts per forward pass of the micro-batcher.",
    ["scorer", "version"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)
QUEUE_WAIT = Histogram(
    "commentmod_scorer_queue_wait_seconds",
    "Time a scoring request waited in the micro-batcher's queue.",
    ["scorer", "version"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
INFERENCE = Histogram(
    "commentmod_scorer_inference_seconds",
    "Time one forward pass took.",
    ["scorer", "version"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SCORER_FAILURES = Counter(
    "commentmod_scorer_failures",
    "Forward passes that failed, by the exception's type.",
    ["scorer", "version", "error"],
)
SCORER_UNAVAILABLE = Counter(
    "commentmod_scorer_unavailable",
    "Scoring requests that timed out or failed as their caller saw it (a comment held "
    "with SCORER_UNAVAILABLE, a Perspective request answered 503).",
    ["scorer", "version", "caller"],
)
CACHE = Counter(
    "commentmod_response_cache_events",
    "The public read cache: hits, misses, executions, coalesced, bypassed, "
    "invalidations, invalidatedEntries, remoteHits, redisErrors.",
    ["event"],
)
SUBSCRIPTIONS = Gauge(
    "commentmod_subscriptions",
    "Subscriptions open on WebSocket connections.",
    multiprocess_mode="livesum",
)
WEBSOCKETS = Gauge(
    "commentmod_websocket_connections",
    "Open WebSocket connections.",
    multiprocess_mode="livesum",
)
DB_IN_USE = Gauge(
    "commentmod_db_connections_in_use",
    "Database connections checked out of the pool, by engine (read, write).",
    ["engine"],
    multiprocess_mode="livesum",
)
DB_CAPACITY = Gauge(
    "commentmod_db_pool_capacity",
    "Connections the pool may open (pool size plus overflow), by engine.",
    ["engine"],
    multiprocess_mode="livesum",
)
# The webhook outbox's seam: the delivery worker sets it (pending rows) when it exists.
OUTBOX_PENDING = Gauge(
    "commentmod_outbox_pending",
    "Webhook deliveries waiting in the outbox (set by the delivery worker).",
    multiprocess_mode="max",
)
EXTERNAL = Counter(
    "commentmod_external_moderation",
    "Calls to the external moderation endpoint, by outcome (approve, hold, reject, "
    "unavailable) and why it was unavailable (timeout, error, status, oversized, malformed).",
    ["outcome", "why"],
)


def operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name."""
    if not name:
        return "anonymous"
    if name in _known:
        return name  # the usual case, before the pattern: every request asks
    if not _NAME.match(name):
        return "other"
    with _known_lock:
        if len(_known) >= MAX_OPERATIONS:
            return "other"
        _known.add(name)
    return name


class Tally:
    """The figures every request adds (its count, its latency, the read cache's
    events, the database connections it checks out), kept in this process and written
    to the metrics at most a second later and before every scrape of this process.
    Under `serve` each write to a metric is a locked write to a memory-mapped file:
    four of them took a cached read (about 130 us of work) 14% longer.

    A request only adds to running totals, without a lock (a lock took half of the
    tally's time): the totals are never reset, and a flush writes what each grew by
    since the last one, so a flush that runs while a request adds misses nothing (it
    writes the rest next time). That needs one writer: requests and the response
    cache add from the event loop's thread only (`row[i] += 1` is several bytecodes,
    and two threads adding to one item could lose a count); the flush thread only
    reads. A new row is made under the lock, so no row replaces another."""

    FLUSH_SECONDS: Final = 1.0

    def __init__(self) -> None:
        self.lock = threading.Lock()  # new rows and flushes (a scrape's, the thread's)
        # (operation, status) -> [count, sum of seconds, count per latency bucket...]
        self.requests: dict[tuple[str, int], list[float]] = {}
        self.cache: dict[str, list[float]] = {}  # event -> [count]
        # What the last flush wrote: the same shapes, copies.
        self.written: dict[object, list[float]] = {}
        # Connections checked out per engine (set, not added: a gauge).
        self.in_use: dict[str, int] = {}
        self.bounds = LATENCY._upper_bounds  # the buckets' upper bounds, +Inf last
        self.flushing = False
        # A process forked from this one flushes in a thread of its own (see _forked).
        os.register_at_fork(after_in_child=self._forked)

    def request(self, operation: str, status: int, seconds: float) -> None:
        bucket = 2 + bisect.bisect_left(self.bounds, seconds)
        row = self.requests.get((operation, status))
        if row is None:
            row = self._row(self.requests, (operation, status), 2 + len(self.bounds))
        row[0] += 1
        row[1] += seconds
        row[bucket] += 1

    def cache_event(self, event: str, count: float) -> None:
        row = self.cache.get(event)
        if row is None:
            row = self._row(self.cache, event, 1)
        row[0] += count

    def _row(self, rows: dict[Any, list[float]], key: object, size: int) -> list[float]:
        with self.lock:
            row = rows.get(key)
            if row is None:
                row = rows[key] = [0.0] * size
        if not self.flushing:
            self._flushing()
        return row

    def _grown(self, key: object, row: list[float]) -> list[float]:
        """What `row` grew by since the last flush (called under the lock)."""
        now = list(row)  # one copy: the flush writes and remembers the same figures
        before = self.written.get(key)
        self.written[key] = now
        return now if before is None else [a - b for a, b in zip(now, before, strict=True)]

    def flush(self) -> None:
        with self.lock:
            requests = [(key, self._grown(key, row)) for key, row in list(self.requests.items())]
            cache = [(event, self._grown(event, row)) for event, row in list(self.cache.items())]
            for (operation, status), grown in requests:
                if not any(grown):
                    continue
                code = str(status)
                REQUESTS.labels(operation, code).inc(grown[0])
                latency = LATENCY.labels(operation, code)
                # Histogram.observe adds one observation; these are many, bucket by bucket.
                latency._sum.inc(grown[1])
                for bucket, count in zip(latency._buckets, grown[2:], strict=True):
                    if count:
                        bucket.inc(count)
            for event, grown in cache:
                if grown[0]:
                    CACHE.labels(event).inc(grown[0])
        for engine, connections in list(self.in_use.items()):
            DB_IN_USE.labels(engine).set(connections)

    def _forked(self) -> None:
        # The parent writes what it tallied; the child starts from nothing.
        self.lock = threading.Lock()
        self.requests, self.cache, self.written = {}, {}, {}
        self.flushing = False

    def _flushing(self) -> None:
        """A daemon thread of this process's own flushes each second."""
        if self.flushing:
            return
        self.flushing = True

        def flush_each_second() -> None:
            while True:
                time.sleep(self.FLUSH_SECONDS)
                self.flush()

        threading.Thread(target=flush_each_second, name="metrics-tally", daemon=True).start()


TALLY = Tally()


# A request answered: (operation, status, seconds). The tally's own method, not a
# function calling it: every request calls it, and a call more is 1% of a cached read.
request_done = TALLY.request


def decision_made(decision: Decision) -> None:
    status = str(decision.status)
    reasons = {str(reason.code) for reason in decision.reasons} or {"NONE"}
    for reason in reasons:
        DECISIONS.labels(status, reason).inc()


def batch_scored(report: BatchReport) -> None:
    """A micro-batcher listener (moderation/batcher.py)."""
    labels = (report.scorer, report.version)
    BATCH_SIZE.labels(*labels).observe(report.size)
    INFERENCE.labels(*labels).observe(report.seconds)
    wait = QUEUE_WAIT.labels(*labels)
    for seconds in report.waits:
        wait.observe(seconds)
    if report.error is not None:
        SCORER_FAILURES.labels(*labels, report.error).inc()


def scorer_unavailable(scorer: str, version: str, caller: str) -> None:
    SCORER_UNAVAILABLE.labels(scorer, version, caller).inc()


def outbox_pending(count: int) -> None:
    """For the webhook delivery worker: how many deliveries wait."""
    OUTBOX_PENDING.set(count)


def external_outcome(outcome: str, why: str = "") -> None:
    EXTERNAL.labels(outcome, why).inc()


class CacheStats(TallyCounter[str]):
    """The response cache's tally (its /healthz figures), mirrored into CACHE."""

    def __setitem__(self, key: str, value: Any) -> None:
        delta = value - self.get(key, 0)
        super().__setitem__(key, value)
        if delta > 0:
            TALLY.cache_event(key, delta)


def watch_pool(engine: Any, name: str) -> None:
    """Count a SQLAlchemy engine's checked-out connections (pool events)."""
    from sqlalchemy import event

    sync = getattr(engine, "sync_engine", engine)
    pool = sync.pool
    size = pool.size() if callable(getattr(pool, "size", None)) else 1
    DB_CAPACITY.labels(name).set(size + max(0, getattr(pool, "_max_overflow", 0)))
    # Counted here and written with the tally (each second and before a scrape): under
    # `serve` a gauge's inc() is a locked write to a memory-mapped file, and a request
    # checks connections out and in several times.
    DB_IN_USE.labels(name)  # the series exists (at 0) before the first flush
    TALLY.in_use.setdefault(name, 0)
    in_use = TALLY.in_use

    @event.listens_for(sync, "checkout")
    def _out(*_args: Any) -> None:
        in_use[name] += 1

    @event.listens_for(sync, "checkin")
    def _in(*_args: Any) -> None:
        in_use[name] -= 1
