"""`commentmod serve` with timers around the steps of addComment, for bench/scoring.py.

Run as a script with serve's arguments. Nothing in the service is changed: functions are
wrapped from the outside before the server starts, and the app is wrapped in a small ASGI
layer answering GET /_bench/trace (the timings as JSON) and POST /_bench/trace (reset), so
the benchmark can leave its warm-up out. POST /_bench/trace?profile=PATH also starts cProfile
on the event loop's thread; the next GET stops it and writes the stats to PATH.

What each timer covers (wall time, seconds, summed over calls):
  add_comment         the whole service call (resolver excluded)
  db_read             inside `async with runtime.db.read()` blocks (article, settings)
  judge               policy + pipeline (language detection, scoring, phases)
  policy              PolicyCache.policy
  detect              language detection (on the event loop)
  score_wait          score_text: waiting for the batcher, queue + the batch's own scoring
  batch_score         the scorer's score() per batch, as the batcher awaits it
  write_lock_wait     only with COMMENTMOD_BENCH_SERIALIZE_WRITES=1: waiting for the
                      in-process lock that lets one db.write() run at a time
  write_enter         entering db.write(): Database's own in-process write lock where it
                      has one, then the session (which begins lazily: cheap)
  write_body          the statements inside the write transaction, the first of which
                      checks out a connection and runs BEGIN IMMEDIATE: SQLite's lock wait
  write_commit        leaving db.write(): flush + COMMIT
and loop_lag: how late a 10 ms sleep on the event loop wakes up (mean and max).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import functools
import json
import os
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

T = TypeVar("T")
TOTALS: defaultdict[str, float] = defaultdict(float)
COUNTS: defaultdict[str, int] = defaultdict(int)
MAXIMA: defaultdict[str, float] = defaultdict(float)
BATCH_SIZES: defaultdict[int, int] = defaultdict(int)


def _add(name: str, seconds: float) -> None:
    TOTALS[name] += seconds
    COUNTS[name] += 1
    MAXIMA[name] = max(MAXIMA[name], seconds)


def _timed(name: str, function: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            _add(name, time.perf_counter() - started)

    return wrapper


def _timed_sync(name: str, function: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _add(name, time.perf_counter() - started)

    return wrapper


def _timed_cm(
    prefix: str, factory: Callable[..., contextlib.AbstractAsyncContextManager[Any]]
) -> Callable[..., contextlib.AbstractAsyncContextManager[Any]]:
    @functools.wraps(factory)
    @contextlib.asynccontextmanager
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        manager = factory(*args, **kwargs)
        started = time.perf_counter()
        value = await manager.__aenter__()
        entered = time.perf_counter()
        _add(f"{prefix}_enter", entered - started)
        try:
            yield value
        except BaseException as exc:
            if not await manager.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            left = time.perf_counter()
            _add(f"{prefix}_body", left - entered)
            await manager.__aexit__(None, None, None)
            _add(f"{prefix}_commit", time.perf_counter() - left)

    return wrapper


def _serialised(
    factory: Callable[..., contextlib.AbstractAsyncContextManager[Any]],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Any]]:
    locks: dict[int, asyncio.Lock] = {}

    @functools.wraps(factory)
    @contextlib.asynccontextmanager
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        lock = locks.setdefault(id(self), asyncio.Lock())
        started = time.perf_counter()
        async with lock:
            _add("write_lock_wait", time.perf_counter() - started)
            async with factory(self, *args, **kwargs) as session:
                yield session

    return wrapper


async def _lag_monitor() -> None:
    while True:
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        _add("loop_lag", time.perf_counter() - started - 0.01)


def install() -> None:
    import api.services.comments as comments
    import moderation.pipeline as pipeline
    from api.readcache.policies import PolicyCache
    from api.runtime import Runtime
    from models.database import Database
    from moderation.batcher import MicroBatcher

    wrappers: list[tuple[object, str, Callable[[Any], Any]]] = [
        (comments, "add_comment", functools.partial(_timed, "add_comment")),
        (comments, "judge", functools.partial(_timed, "judge")),
        (PolicyCache, "policy", functools.partial(_timed, "policy")),
        (pipeline, "detect", functools.partial(_timed_sync, "detect")),
        (pipeline, "score_text", functools.partial(_timed, "score_wait")),
        (Database, "write", functools.partial(_timed_cm, "write")),
        (Database, "read", functools.partial(_timed_cm, "db_read")),
    ]
    for owner, name, wrap in wrappers:
        setattr(owner, name, wrap(getattr(owner, name)))
    if os.environ.get("COMMENTMOD_BENCH_SERIALIZE_WRITES") == "1":
        # What-if: one writer at a time per process, queued on the event loop instead of
        # polling SQLite's busy handler. Outermost: its wait is write_lock_wait, not write_*.
        wrappers = [(Database, "write", _serialised)]
        for owner, name, wrap in wrappers:
            setattr(owner, name, wrap(getattr(owner, name)))

    original_init = MicroBatcher.__init__

    def init(self: MicroBatcher, scorer: Any, **kwargs: Any) -> None:
        original_init(self, scorer, **kwargs)
        score = _timed("batch_score", scorer.score)

        async def counted(texts: Any) -> Any:
            BATCH_SIZES[len(texts)] += 1
            return await score(texts)

        scorer.score = counted

    MicroBatcher.__init__ = init  # type: ignore[method-assign]

    original_start = Runtime.start

    async def start(self: Runtime, **kwargs: Any) -> None:
        await original_start(self, **kwargs)
        LAG_TASKS.add(asyncio.get_running_loop().create_task(_lag_monitor()))

    Runtime.start = start  # type: ignore[method-assign]

    import api.http.app

    original_create_app = api.http.app.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        return _TraceRoute(original_create_app(*args, **kwargs))

    api.http.app.create_app = create_app


LAG_TASKS: set[asyncio.Task[None]] = set()


def snapshot() -> dict[str, Any]:
    return {
        "totals": dict(TOTALS),
        "counts": dict(COUNTS),
        "maxima": dict(MAXIMA),
        "batch_sizes": {str(k): v for k, v in sorted(BATCH_SIZES.items())},
    }


class _TraceRoute:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = getattr(app, "state", None)
        self.profiler: cProfile.Profile | None = None

    def _toggle(self, method: str, query: str) -> None:
        # POST resets the timers and, given ?profile=PATH, starts cProfile on this (the
        # event loop's) thread; GET stops it and writes the stats to PATH.
        if method == "POST":
            reset()
            target = urllib.parse.parse_qs(query).get("profile")
            if target:
                self.profiler = cProfile.Profile()
                self.profile_path = target[0]
                self.profiler.enable()
        elif self.profiler is not None:
            self.profiler.disable()
            self.profiler.dump_stats(self.profile_path)
            self.profiler = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_bench/trace":
            self._toggle(scope["method"], scope.get("query_string", b"").decode())
            body = json.dumps(snapshot()).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def reset() -> None:
    for table in (TOTALS, COUNTS, MAXIMA, BATCH_SIZES):
        table.clear()


if __name__ == "__main__":
    install()
    from api.cli.main import main

    main()
