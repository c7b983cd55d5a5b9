"""Helpers for live-update tests: a real server in the test's event loop, and clients.

`Server` runs uvicorn on a free port inside the test's own event loop, so that a
test can look at the runtime (its bus, its tasks) while real WebSocket clients
talk to it. `Socket` speaks graphql-transport-ws by hand, for tests that check
the protocol itself (close codes, pings); the others use gql, a third-party client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
import websockets
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from api.http.app import create_app
from api.runtime import Runtime
from tests.support.client import Api
from tests.support.servers import free_port


@dataclass
class Server:
    api: Api
    ws_url: str


@asynccontextmanager
async def serve(runtime: Runtime) -> AsyncIterator[Server]:
    app = create_app(runtime=runtime, migrate=False)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    assert server.started, "uvicorn did not start"
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield Server(Api(http=http, runtime=runtime), f"ws://127.0.0.1:{port}/graphql")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def eventually(check: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait until check() holds; fail after the timeout."""
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check(), "condition not met in time"


def transport(url: str, token: str | None = None, **options: Any) -> WebsocketsTransport:
    payload = {"authorization": f"Bearer {token}"} if token else {}
    return WebsocketsTransport(url=url, init_payload=payload, **options)


@asynccontextmanager
async def session(url: str, token: str | None = None) -> AsyncIterator[Any]:
    """A gql session over graphql-transport-ws."""
    async with Client(transport=transport(url, token)) as opened:
        yield opened


class Feed:
    """One gql subscription running in the background, collecting what arrives."""

    def __init__(self, gql_session: Any, document: str, variables: dict[str, Any] | None = None):
        self.items: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self._read = 0
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._run(gql_session, document, variables or {}))

    async def _run(self, gql_session: Any, document: str, variables: dict[str, Any]) -> None:
        try:
            request = gql(document)
            request.variable_values = variables
            async for result in gql_session.subscribe(request):
                self.items.append(result)
                self._arrived.set()
        except Exception as exc:
            self.error = exc
            self._arrived.set()

    async def next(self, timeout: float = 2.0) -> dict[str, Any]:
        """The next item not yet read, waiting for it within the timeout."""
        async with asyncio.timeout(timeout):
            while len(self.items) <= self._read:
                if self.error is not None:
                    raise self.error
                self._arrived.clear()
                await self._arrived.wait()
        self._read += 1
        return self.items[self._read - 1]

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrived, after waiting a little for stragglers."""
        await asyncio.sleep(seconds)
        return list(self.items)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class Socket:
    """graphql-transport-ws by hand, over the websockets package."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str, **options: Any) -> AsyncIterator[Socket]:
        async with websockets.connect(
            url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], **options
        ) as connection:
            yield cls(connection)

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 2.0, *, pings: bool = False) -> dict[str, Any]:
        """The next message; the server's keep-alive pings are skipped unless asked for."""
        async with asyncio.timeout(timeout):
            while True:
                message: dict[str, Any] = json.loads(await self.connection.recv())
                if pings or message["type"] != "ping":
                    return message

    async def init(self, token: str | None = None, **more: Any) -> dict[str, Any]:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        payload.update(more)
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send(
            {
                "id": id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def closed(self, timeout: float = 3.0) -> tuple[int | None, str]:
        """Wait for the server to close the connection: (code, reason)."""
        try:
            async with asyncio.timeout(timeout):
                async for _message in self.connection:
                    pass
        except websockets.ConnectionClosed:
            pass
        return self.connection.close_code, self.connection.close_reason or ""
