"""One execution per identical subscription in this process, its results fanned out.

A thousand readers of one article send the same subscription document with the
same variables and, signed out, the same (absent) identity: they would receive
the same results. So the process executes that subscription once, as that
identity, and hands each result to every subscriber of it, each through a
bounded queue of its own: a subscriber whose connection cannot keep up is cut
off without holding up the others. Whatever differs by viewer is never shared:
the key holds the whole identity (user, name, role), so two signed-in users never
share a stream, and a reader never shares a moderator's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.graphql.context import RequestContext
from api.http.auth import Identity
from api.runtime import Runtime

logger = logging.getLogger("commentmod.fanout")

Key = tuple[str, str | None, str, Identity | None]
Result = ExecutionResult | PreExecutionError
OnLag = Callable[[int, str], None]


class Listener:
    """One subscriber of a shared stream: its own bounded queue of results."""

    def __init__(self, shared: SharedStream, limit: int, on_lag: OnLag) -> None:
        self._shared = shared
        self.limit = limit
        self._on_lag = on_lag
        self._queue: deque[Result] = deque()
        self._wakeup = asyncio.Event()
        self._ended = False

    def offer(self, result: Result) -> None:
        if self._ended:
            return
        if len(self._queue) >= self.limit:
            self._queue.clear()
            self.end()
            self._on_lag(
                1013,
                f"subscriber fell behind: more than {self.limit} events waiting; "
                "reconnect and refetch",
            )
            return
        self._queue.append(result)
        self._wakeup.set()

    def end(self) -> None:
        self._ended = True
        self._wakeup.set()

    def __aiter__(self) -> Listener:
        return self

    async def __anext__(self) -> Result:
        while True:
            if self._queue:
                return self._queue.popleft()
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    async def aclose(self) -> None:
        self.end()
        self._shared.leave(self)


class SharedStream:
    """One execution of a subscription, and who listens to it."""

    def __init__(self, fanout: Fanout, key: Key, variables: dict[str, Any] | None) -> None:
        self.fanout = fanout
        self.key = key
        self.listeners: dict[Listener, OnLag] = {}
        query, operation_name, _vars, identity = key
        self.context = RequestContext(
            runtime=fanout.runtime,
            identity=identity,
            request_id=f"live-{uuid.uuid4().hex[:12]}",
            connection=self,
        )
        self.task = asyncio.create_task(
            self._run(query, variables, operation_name), name="subscription-stream"
        )

    async def _run(
        self, query: str, variables: dict[str, Any] | None, operation_name: str | None
    ) -> None:
        try:
            source = await self.fanout.schema.stream(
                query,
                variable_values=variables,
                context_value=self.context,
                operation_name=operation_name,
            )
            async with contextlib.aclosing(source):
                async for result in source:
                    for listener in list(self.listeners):
                        listener.offer(result)
        except Exception:
            logger.exception("a shared subscription stream failed")
        finally:
            self.fanout._forget(self)
            for listener in list(self.listeners):
                listener.end()

    def close_soon(self, code: int, reason: str) -> None:
        """The stream itself fell behind: every connection listening to it is told so."""
        for listener, on_lag in list(self.listeners.items()):
            listener.end()
            on_lag(code, reason)

    def join(self, limit: int, on_lag: OnLag) -> Listener:
        listener = Listener(self, limit, on_lag)
        self.listeners[listener] = on_lag
        return listener

    def leave(self, listener: Listener) -> None:
        self.listeners.pop(listener, None)
        if not self.listeners:
            self.fanout._forget(self)
            self.task.cancel()


class Fanout:
    def __init__(self, schema: Any, runtime: Runtime) -> None:
        self.schema = schema
        self.runtime = runtime
        self._streams: dict[Key, SharedStream] = {}

    @property
    def streams(self) -> int:
        return len(self._streams)

    @property
    def listeners(self) -> int:
        return sum(len(s.listeners) for s in self._streams.values())

    def listen(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        identity: Identity | None,
        on_lag: OnLag,
    ) -> Listener:
        key: Key = (query, operation_name, json.dumps(variables or {}, sort_keys=True), identity)
        shared = self._streams.get(key)
        if shared is None:
            shared = self._streams[key] = SharedStream(self, key, variables)
        return shared.join(self.runtime.settings.subscriber_queue_size, on_lag)

    def _forget(self, shared: SharedStream) -> None:
        if self._streams.get(shared.key) is shared:
            del self._streams[shared.key]
