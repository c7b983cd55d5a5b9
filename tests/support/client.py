"""The tests' settings and their GraphQL client over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from api.http.app import create_app
from api.http.auth import Identity, Role, issue_token
from api.http.config import Config
from api.runtime import Runtime


def make_settings(database_url: str, **overrides: Any) -> Config:
    """The tests' settings: a fixed secret and, unless overridden, no rate limits (tests
    post quickly as one user; the rate-limit tests turn them on) and development mode
    (field suggestions in messages; tests/api/http/test_production.py covers production)."""
    values: dict[str, Any] = {"rate_limits": "off", "env": "development", **overrides}
    return Config(database_url=database_url, jwt_secret="test-secret-" + "x" * 64, **values)


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


@asynccontextmanager
async def in_process(runtime: Runtime) -> AsyncIterator[Api]:
    """The app on `runtime`, through its lifespan, and a client calling it in process."""
    app = create_app(runtime=runtime, migrate=False)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield Api(http=http, runtime=runtime)
