"""A database that goes away: clients get UNAVAILABLE, and the service recovers by itself."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from api.http.app import create_app
from api.http.config import Config
from api.runtime import Runtime
from moderation.scorers.registry import LoadedScorer
from tests.support.constants import POSTGRES
from tests.support.servers import Proxy

pytestmark = pytest.mark.skipif(
    POSTGRES is None, reason="needs a database server; runs in the PostgreSQL pass of `make test`"
)


async def test_outage_gives_unavailable_then_recovers(
    database_url: str, linear_scorer: LoadedScorer
) -> None:
    url = make_url(database_url)
    proxy = Proxy(url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = Config(database_url=proxied, jwt_secret="outage-" + "q" * 60, db_connect_timeout=2)
    app = create_app(runtime=Runtime(settings, scorer=linear_scorer), migrate=False)
    query = {"query": "{ articles { totalCount } }"}
    cached = {"query": "{ articles(first: 5) { totalCount } }"}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        answer = (await http.post("/graphql", json=cached)).json()
        assert answer == {"data": {"articles": {"totalCount": 0}}}

        await proxy.stop()
        # A public read already cached is still answered (nothing can have changed it
        # unseen: writes need the database too); one that must execute is UNAVAILABLE.
        assert (await http.post("/graphql", json=cached)).json() == answer
        down = (await http.post("/graphql", json=query)).json()
        assert down["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert "SELECT" not in str(down)
        assert (await http.get("/healthz")).status_code == 503

        await proxy.start()
        recovered = (await http.post("/graphql", json=query)).json()
        assert recovered == {"data": {"articles": {"totalCount": 0}}}
        assert (await http.get("/healthz")).status_code == 200
    await proxy.stop()
