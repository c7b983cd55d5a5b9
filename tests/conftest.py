"""Shared fixtures: a migrated database per test, the real bundled scorer, an HTTP client."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (the tables to empty between tests)
from api.http.app import create_app
from api.http.auth import Identity, Role, issue_token
from api.http.config import Settings
from api.runtime import Runtime
from models.migrate import upgrade
from moderation.scorers.registry import LoadedScorer, load_scorer

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def linear_scorer() -> LoadedScorer:
    return load_scorer("linear")


# Set (as `make test` does for its second run) to run the whole suite on PostgreSQL.
POSTGRES = os.environ.get("COMMENTMOD_TEST_POSTGRES")


def _admin(*statements: str, database: str | None = None) -> None:
    """Run statements on the PostgreSQL server outside any transaction."""
    import asyncpg

    assert POSTGRES is not None
    url = make_url(POSTGRES).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    dsn = url.render_as_string(hide_password=False)

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    # Fixtures may run while an event loop is running in this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One migrated database per test run, emptied before each test."""
    assert POSTGRES is not None
    name = f"cm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path, template_db: Path) -> str:
    if POSTGRES is None:
        path = tmp_path / "commentmod.db"
        shutil.copy(template_db, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    # Much faster than a database per test (CREATE DATABASE costs about half a second).
    _admin(f"TRUNCATE {tables} RESTART IDENTITY CASCADE", database=make_url(url).database)
    return url


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """The tests' settings: a fixed secret and, unless overridden, no rate limits (tests
    post quickly as one user; the rate-limit tests turn them on)."""
    values: dict[str, Any] = {"rate_limits": "off", **overrides}
    return Settings(database_url=database_url, jwt_secret="test-secret-" + "x" * 64, **values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def scorer(linear_scorer: LoadedScorer) -> LoadedScorer:
    """The scorer the app uses; tests override this fixture to inject failures."""
    return linear_scorer


@pytest.fixture
async def runtime(settings: Settings, scorer: LoadedScorer) -> Runtime:
    return Runtime(settings, scorer=scorer)


@dataclass
class Api:
    """A GraphQL client over HTTP for the tests."""

    http: httpx.AsyncClient
    runtime: Runtime

    def token(self, user: str, role: str = "commenter", name: str | None = None) -> str:
        identity = Identity(user_id=user, name=name or user.title(), role=Role(role))
        return issue_token(self.runtime.jwt_secret, identity, 3600)

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {as_}"} if as_ else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
    ) -> dict[str, Any]:
        """The data of a query that must succeed."""
        body = await self.query(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
    ) -> dict[str, Any]:
        """The single error of a query that must fail."""
        body = await self.query(query, variables, as_=as_)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error

    # Shortcuts used across test modules.

    async def create_article(self, slug: str = "a-story", **fields: Any) -> dict[str, Any]:
        article = {"slug": slug, "title": fields.pop("title", "A story"), "body": "Text.", **fields}
        data = await self.data(
            "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id slug } } }",
            {"a": article},
            as_=self.token("admin", "admin"),
        )
        result: dict[str, Any] = data["upsertArticle"]["article"]
        return result

    async def comment(
        self, article_id: str, body: str, *, as_: str, parent_id: str | None = None
    ) -> dict[str, Any]:
        data = await self.data(
            """mutation($i: AddCommentInput!) {
                 addComment(input: $i) { comment { id status version body } }
               }""",
            {"i": {"articleId": article_id, "body": body, "parentId": parent_id}},
            as_=as_,
        )
        result: dict[str, Any] = data["addComment"]["comment"]
        return result


@pytest.fixture
async def api(runtime: Runtime) -> AsyncIterator[Api]:
    app = create_app(runtime=runtime, migrate=False)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield Api(http=http, runtime=runtime)


@pytest.fixture
def tokens(api: Api) -> Callable[..., str]:
    return api.token


@pytest.fixture(scope="session")
def learned_models_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models directory holding the cold-start version, trained once per session."""
    from moderation.learning.encoder import available

    if not available():
        pytest.skip("the learned extra is not installed")
    from moderation.learning.encoder import shared_encoder
    from moderation.learning.store import ModelStore
    from moderation.learning.trainer import Trainer

    root = tmp_path_factory.mktemp("learned") / "models"
    Trainer(ModelStore(root), shared_encoder()).cold_start()
    return root


@pytest.fixture
def learned_models(learned_models_template: Path, tmp_path: Path) -> Path:
    """A copy of the cold-start models directory for one test."""
    target = tmp_path / "models"
    shutil.copytree(learned_models_template, target)
    return target
