"""A database that goes away: clients get UNAVAILABLE, and the service recovers by itself."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from api.app import create_app
from api.runtime import Runtime
from api.settings import Settings
from moderation.scorers.registry import LoadedScorer
from tests.conftest import POSTGRES
from tests.servers import free_port

pytestmark = pytest.mark.skipif(
    POSTGRES is None, reason="needs a database server; runs in the PostgreSQL pass of `make test`"
)


class Proxy:
    """A TCP forwarder in front of PostgreSQL that the test can cut and restore."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self.pipes -= {writer, up_writer}


async def test_outage_gives_unavailable_then_recovers(
    database_url: str, linear_scorer: LoadedScorer
) -> None:
    url = make_url(database_url)
    proxy = Proxy(url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = Settings(database_url=proxied, jwt_secret="outage-" + "q" * 60, db_connect_timeout=2)
    app = create_app(runtime=Runtime(settings, scorer=linear_scorer), migrate=False)
    query = {"query": "{ articles { totalCount } }"}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert (await http.post("/graphql", json=query)).json()["data"]["articles"][
            "totalCount"
        ] == 0

        await proxy.stop()
        down = (await http.post("/graphql", json=query)).json()
        assert down["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert "SELECT" not in str(down)
        assert (await http.get("/healthz")).status_code == 503

        await proxy.start()
        recovered = (await http.post("/graphql", json=query)).json()
        assert recovered == {"data": {"articles": {"totalCount": 0}}}
        assert (await http.get("/healthz")).status_code == 200
    await proxy.stop()
