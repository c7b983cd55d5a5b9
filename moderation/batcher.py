"""Micro-batching: concurrent requests that arrive within a few milliseconds share
one forward pass. Transformer models score a batch of 16 in far less than 16 times
the time of one; the batcher is what turns concurrent comments into such batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from moderation.scorers.base import Scorer
from moderation.scorers.routing import Route, route_of, scorer_for

logger = logging.getLogger(__name__)


@dataclass
class BatchStats:
    requests: int = 0
    batches: int = 0
    texts: int = 0
    failures: int = 0
    largest_batch: int = 0
    # How many batches of each size ran; the benchmark reads it.
    sizes: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchReport:
    """One forward pass, for whoever watches (api/observability's metrics and traces):
    the batcher itself knows nothing of how it is watched."""

    scorer: str
    version: str
    size: int
    # Seconds each request in the batch waited in the queue before the pass began.
    waits: tuple[float, ...]
    # Seconds the scorer took (failed passes included).
    seconds: float
    # The exception's type name when the pass failed, else None.
    error: str | None
    # The context each request was submitted from: a tracer files the pass under the
    # traces that waited on it.
    contexts: tuple[contextvars.Context, ...] = ()


BatchListener = Callable[[BatchReport], None]


@dataclass
class _Request:
    texts: Sequence[str]
    future: asyncio.Future[list[dict[str, float]]]
    queued: float = field(default_factory=time.perf_counter)
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


class MicroBatcher:
    """Wraps a Scorer and is one: same labels, languages, name and version."""

    def __init__(
        self,
        scorer: Scorer,
        *,
        max_batch: int = 32,
        max_wait: float = 0.005,
        listeners: Sequence[BatchListener] = (),
    ) -> None:
        if max_batch < 1 or max_wait < 0:
            raise ValueError("max_batch must be >= 1 and max_wait >= 0")
        self.scorer = scorer
        self.name, self.version = scorer.name, scorer.version
        self.labels, self.languages = scorer.labels, scorer.languages
        self.max_batch, self.max_wait = max_batch, max_wait
        self.stats = BatchStats()
        self.listeners = tuple(listeners)
        self._queue: asyncio.Queue[_Request] | None = None
        self._worker: asyncio.Task[None] | None = None

    def route(self, text: str) -> Route:
        """The wrapped scorer's route for a text (batching changes no route)."""
        return route_of(self.scorer, text)

    def for_language(self, language: str) -> Scorer | None:
        """The (unbatched) scorer covering a language, if any."""
        return scorer_for(self.scorer, language)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(self._queue), name="micro-batcher")
        assert self._queue is not None
        future: asyncio.Future[list[dict[str, float]]] = asyncio.get_running_loop().create_future()
        self.stats.requests += 1
        await self._queue.put(_Request(texts, future))
        # A caller that times out cancels its future; the batch then skips it.
        return await future

    async def _collect(self, queue: asyncio.Queue[_Request]) -> list[_Request]:
        batch = [await queue.get()]
        size = len(batch[0].texts)
        deadline = asyncio.get_running_loop().time() + self.max_wait
        while size < self.max_batch:
            timeout = deadline - asyncio.get_running_loop().time()
            try:
                request = (
                    queue.get_nowait()
                    if timeout <= 0
                    else await asyncio.wait_for(queue.get(), timeout)
                )
            except (TimeoutError, asyncio.QueueEmpty):
                break
            batch.append(request)
            size += len(request.texts)
        return [r for r in batch if not r.future.done()]

    async def _run(self, queue: asyncio.Queue[_Request]) -> None:
        while True:
            batch = await self._collect(queue)
            if not batch:
                continue
            texts = [text for request in batch for text in request.texts]
            self.stats.batches += 1
            self.stats.texts += len(texts)
            self.stats.largest_batch = max(self.stats.largest_batch, len(texts))
            self.stats.sizes[len(texts)] = self.stats.sizes.get(len(texts), 0) + 1
            began = time.perf_counter()
            try:
                scores = await self.scorer.score(texts)
                if len(scores) != len(texts):
                    raise RuntimeError(
                        f"scorer returned {len(scores)} results for {len(texts)} texts"
                    )
            except Exception as exc:
                self.stats.failures += 1
                self._report(batch, len(texts), began, type(exc).__name__)
                for request in batch:
                    if not request.future.done():
                        request.future.set_exception(exc)
                continue
            self._report(batch, len(texts), began, None)
            offset = 0
            for request in batch:
                part = scores[offset : offset + len(request.texts)]
                offset += len(request.texts)
                if not request.future.done():
                    request.future.set_result(part)

    def _report(self, batch: list[_Request], size: int, began: float, error: str | None) -> None:
        if not self.listeners:
            return
        report = BatchReport(
            scorer=self.name,
            version=self.version,
            size=size,
            waits=tuple(began - request.queued for request in batch),
            seconds=time.perf_counter() - began,
            error=error,
            contexts=tuple(request.context for request in batch),
        )
        for listener in self.listeners:
            try:
                listener(report)
            except Exception:
                # Watching never breaks scoring.
                logger.exception("a batch listener failed")

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
