"""Rate limits on addComment and reportComment, in memory and shared through Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from sqlalchemy import text

from api.http.app import create_app
from api.http.config import Config
from api.runtime import Runtime
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api, in_process, make_settings

REDIS_URL = "redis://127.0.0.1:6379/0"
ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"
REPORT = "mutation($i: ReportCommentInput!) { reportComment(input: $i) { comment { id } } }"


def limited(database_url: str, **overrides: Any) -> Config:
    return make_settings(database_url, **{"rate_limits": "on", **overrides})


@pytest.fixture
def settings(database_url: str) -> Config:
    return limited(database_url, trusted_proxies="10.0.0.0/8")


async def add(
    api: Api, article_id: str, body: str, user: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await api.http.post(
        "/graphql",
        json={"query": ADD, "variables": {"i": {"articleId": article_id, "body": body}}},
        headers={"Authorization": f"Bearer {api.token(user)}", **(headers or {})},
    )
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def comment_count(api: Api) -> int:
    async with api.runtime.db.read() as session:
        row = (await session.exec(text("SELECT count(*) FROM comments"))).one()  # type: ignore[call-overload]
    return int(row[0])


async def test_per_user_burst_then_rate_limited_with_retry_after(api: Api) -> None:
    article = await api.create_article()
    for i in range(3):
        assert "errors" not in await add(api, article["id"], f"Comment {i}.", "ann")
    error = (await add(api, article["id"], "One too many.", "ann"))["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfter"] <= 9
    assert await comment_count(api) == 3  # the refused comment was not written
    # Another user is not held back by ann.
    assert "errors" not in await add(api, article["id"], "My turn.", "bob")


async def test_reports_are_limited_separately(api: Api) -> None:
    article = await api.create_article()
    targets = [
        await api.comment(article["id"], f"Post {i}.", as_=api.token(f"u{i}")) for i in range(4)
    ]
    codes = []
    for target in targets:
        body = await api.query(
            REPORT, {"i": {"commentId": target["id"], "reason": "SPAM"}}, as_=api.token("rep")
        )
        codes.append(body["errors"][0]["extensions"]["code"] if "errors" in body else None)
    assert codes == [None, None, None, "RATE_LIMITED"]


async def test_per_address_limit_believes_forwarded_for_only_from_trusted_proxies(
    database_url: str, scorer: LoadedScorer
) -> None:
    settings = limited(database_url, trusted_proxies="127.0.0.1", rate_limit_address="2 per minute")
    runtime = Runtime(settings, scorer=scorer)
    app = create_app(runtime=runtime, migrate=False)
    # httpx's ASGI transport lets a test choose the peer address.
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5000)), base_url="http://t"
        ) as proxy,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 5000)),
            base_url="http://t",
        ) as direct,
    ):
        api = Api(http=proxy, runtime=runtime)
        article = await api.create_article()
        behind = {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}
        # Two readers behind the proxy use up their address's allowance (different users).
        assert "errors" not in await add(api, article["id"], "A.", "u1", behind)
        assert "errors" not in await add(api, article["id"], "B.", "u2", behind)
        error = (await add(api, article["id"], "C.", "u3", behind))["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        # Another address behind the same proxy is counted on its own.
        assert "errors" not in await add(
            api, article["id"], "D.", "u4", {"X-Forwarded-For": "198.51.100.8"}
        )

        # An untrusted peer cannot dodge the limit with a header of its choosing.
        stranger = Api(http=direct, runtime=runtime)
        for i, forged in enumerate(["192.0.2.1", "192.0.2.2"]):
            assert "errors" not in await add(
                stranger, article["id"], f"E{i}.", f"s{i}", {"X-Forwarded-For": forged}
            )
        error = (await add(stranger, article["id"], "F.", "s9", {"X-Forwarded-For": "192.0.2.3"}))[
            "errors"
        ][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"


@pytest.fixture
async def redis_apps(database_url: str, scorer: LoadedScorer) -> AsyncIterator[list[Api]]:
    """Two app instances (two 'processes') sharing one Redis, under a prefix of their own."""
    prefix = f"commentmod-test-{uuid.uuid4().hex}"
    settings = limited(database_url, redis_url=REDIS_URL, redis_prefix=prefix)
    runtimes = [Runtime(settings, scorer=scorer) for _ in range(2)]
    apps = [create_app(runtime=runtime, migrate=False) for runtime in runtimes]
    async with LifespanManager(apps[0]), LifespanManager(apps[1]):
        apis = [
            Api(
                http=httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t"),
                runtime=runtime,
            )
            for app, runtime in zip(apps, runtimes, strict=True)
        ]
        try:
            yield apis
        finally:
            for api in apis:
                await api.http.aclose()


async def test_redis_counters_are_shared_between_processes(redis_apps: list[Api]) -> None:
    one, two = redis_apps
    article = await one.create_article()
    assert "errors" not in await add(one, article["id"], "One.", "ann")
    assert "errors" not in await add(two, article["id"], "Two.", "ann")
    assert "errors" not in await add(one, article["id"], "Three.", "ann")
    error = (await add(two, article["id"], "Four.", "ann"))["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] >= 1
    # The counters really are in Redis, under this run's prefix.
    storage = one.runtime.limiter.storage
    assert type(storage).__name__ == "RedisStorage"
    prefix = one.runtime.settings.redis_prefix
    keys = await storage.bridge.storage.keys(f"{prefix}*")
    assert {key.decode().split(":", 1)[1] for key in keys} == {
        "LIMITER/user/addComment/ann/3/9/second",
        "LIMITER/addr/addComment/127.0.0.1/60/1/minute",
    }


async def test_rate_limits_off(database_url: str, scorer: LoadedScorer) -> None:
    runtime = Runtime(limited(database_url, rate_limits="off"), scorer=scorer)
    async with in_process(runtime) as api:
        article = await api.create_article()
        for i in range(6):
            assert "errors" not in await add(api, article["id"], f"Fast {i}.", "ann")


def test_bad_limit_settings_are_refused(database_url: str) -> None:
    with pytest.raises(ValueError, match="rate_limit_user"):
        limited(database_url, rate_limit_user="lots")
    with pytest.raises(ValueError, match="trusted_proxies"):
        limited(database_url, trusted_proxies="not-an-address")


async def test_unreachable_redis_falls_back_to_local_counters_and_back(
    database_url: str, scorer: LoadedScorer
) -> None:
    down = "redis://127.0.0.1:1/0"
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings = limited(database_url, redis_url=down, redis_prefix=prefix)
    runtime = Runtime(settings, scorer=scorer)
    async with in_process(runtime) as api:
        article = await api.create_article()
        # Commenting goes on, still limited, with this process's counters.
        for i in range(3):
            assert "errors" not in await add(api, article["id"], f"Comment {i}.", "ann")
        error = (await add(api, article["id"], "One too many.", "ann"))["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert await comment_count(api) == 3
        health = (await api.http.get("/healthz")).json()["rateLimits"]
        assert health["store"] == "local (Redis unreachable)" and health["fallbacks"] == 1
        # Redis returns (here: the same limiter, now pointed at a Redis that answers).
        limiter = runtime.limiter
        limiter.storage = storage_from_string(
            "async+" + REDIS_URL, key_prefix=prefix, wrap_exceptions=True
        )
        limiter.strategy = MovingWindowRateLimiter(limiter.storage)  # type: ignore[arg-type]
        limiter._retry_at = 0.0
        assert "errors" not in await add(api, article["id"], "Back on Redis.", "bob")
        assert (await api.http.get("/healthz")).json()["rateLimits"]["store"] == "redis"


async def test_refused_comments_do_not_count_against_the_limit(api: Api) -> None:
    article = await api.create_article()
    for body in ["", "\u200b", "x" * 5001, "nul \x00"]:
        for _ in range(3):
            error = (await add(api, article["id"], body, "ann"))["errors"][0]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # A missing article likewise; then the whole burst is still there.
    missing = (await add(api, "QXJ0aWNsZTo5OTk", "Hello.", "ann"))["errors"][0]
    assert missing["extensions"]["code"] == "NOT_FOUND"
    for i in range(3):
        assert "errors" not in await add(api, article["id"], f"Comment {i}.", "ann")
    error = (await add(api, article["id"], "One too many.", "ann"))["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
