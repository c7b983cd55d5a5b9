"""Shared fixtures: a migrated database per test, the real bundled scorer, an HTTP client."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.auth import Identity, Role, issue_token
from api.runtime import Runtime
from api.settings import Settings
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


@pytest.fixture
def database_url(tmp_path: Path, template_db: Path) -> str:
    path = tmp_path / "commentmod.db"
    shutil.copy(template_db, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Rate limits are off here: tests post quickly as one user; their own tests turn them on.
    return Settings(
        database_url=database_url, jwt_secret="test-secret-" + "x" * 64, rate_limits="off"
    )


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
