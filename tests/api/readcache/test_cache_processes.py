"""The response cache across real `commentmod serve` processes sharing one database and Redis:
never a held comment, decisions visible within a second, Redis trouble never an error."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.auth import Identity, Role, issue_token
from tests.support.constants import CLEAN, REDIS_URL, TOXIC, needs_redis
from tests.support.servers import COMMENTMOD, Proxy, Server, free_port, start_server

pytestmark = needs_redis

SECRET = "cache-test-secret-" + "z" * 48
THREAD = """query($slug: String!) { article(slug: $slug) { commentCount
  comments(first: 50) { edges { node { id body status replyCount
    replies(first: 5) { edges { node { id body status } } } } } } } }"""
MODERATED = """query($slug: String!) { article(slug: $slug) {
  comments(first: 50) { edges { node { id body moderation { model } } } } } }"""
ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
DECIDE = "mutation($i: ModerateCommentInput!) { %s(input: $i) { comment { id status } } }"


def token(user: str, role: str = "commenter") -> str:
    return issue_token(SECRET, Identity(user, user.title(), Role(role)), 3600)


def environment(root: Path, redis_url: str | None = REDIS_URL, **more: str) -> dict[str, str]:
    env = {
        "COMMENTMOD_DATABASE_URL": f"sqlite+aiosqlite:///{root / 'shared.db'}",
        "COMMENTMOD_JWT_SECRET": SECRET,
        "COMMENTMOD_SCORER": "linear",
        # A prefix of this run's own: parallel runs on one Redis never meet.
        "COMMENTMOD_REDIS_PREFIX": f"commentmod-test-{uuid.uuid4().hex}",
        **more,
    }
    if redis_url:
        env["COMMENTMOD_REDIS_URL"] = redis_url
    return env


def wait_connected(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not httpx.get(f"{server.base}/healthz", timeout=2).json()["events"]["connected"]:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    root = tmp_path_factory.mktemp("cache-pair")
    env = environment(root)
    servers = [start_server(root, env), start_server(root, env, "--no-migrate")]
    try:
        for server in servers:
            wait_connected(server)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


async def gql(
    base: str, query: str, variables: dict[str, Any], as_: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {as_}"} if as_ else {}
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    return response


async def new_article(base: str) -> tuple[str, str]:
    slug = f"story-{uuid.uuid4().hex[:8]}"
    response = await gql(
        base,
        "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
        {"a": {"slug": slug, "title": "A story", "body": "Text."}},
        as_=token("admin", "admin"),
    )
    return slug, response.json()["data"]["upsertArticle"]["article"]["id"]


async def post(base: str, article: str, body: str, user: str, **more: Any) -> dict[str, Any]:
    # A user per article: the same text twice from one user would be held as a repeat.
    author = token(f"{user}-{article}")
    response = await gql(base, ADD, {"i": {"articleId": article, "body": body, **more}}, author)
    comment: dict[str, Any] = response.json()["data"]["addComment"]["comment"]
    return comment


async def decide(base: str, verb: str, comment_id: str) -> None:
    await gql(base, DECIDE % verb, {"i": {"commentId": comment_id}}, token("mo", "moderator"))


def statuses(response: httpx.Response) -> list[tuple[str, str]]:
    """(body, status) of every comment and reply in a thread response."""
    found = []
    for edge in response.json()["data"]["article"]["comments"]["edges"]:
        node = edge["node"]
        found.append((node["body"], node["status"]))
        found += [(r["node"]["body"], r["node"]["status"]) for r in node["replies"]["edges"]]
    return found


async def until(base: str, slug: str, check: Any, timeout: float = 1.0) -> float:
    """Read the thread until check(response) holds; the seconds it took. Every response
    on the way must be free of held comments."""
    started = time.monotonic()
    while True:
        response = await gql(base, THREAD, {"slug": slug})
        assert all(status == "APPROVED" for _body, status in statuses(response))
        if check(response):
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, response.text
        await asyncio.sleep(0.02)


def bodies(response: httpx.Response) -> list[str]:
    return [body for body, _status in statuses(response)]


def cache(server: Server) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{server.base}/healthz", timeout=2).json()["cache"]
    return stats


async def test_decisions_reach_cached_threads_on_both_processes_within_a_second(
    pair: tuple[Server, Server],
) -> None:
    a, b = pair
    slug, article = await new_article(a.base)
    clean = await post(b.base, article, CLEAN, "ann")
    held = await post(b.base, article, TOXIC, "bob")
    assert held["status"] == "PENDING"
    reply = await post(a.base, article, TOXIC + " again", "bob", parentId=clean["id"])
    assert reply["status"] == "PENDING"
    for server in (a, b):
        await until(server.base, slug, lambda r: bodies(r) == [CLEAN])
        response = await gql(server.base, THREAD, {"slug": slug})
        assert response.headers["x-cache"] == "HIT"
    await decide(b.base, "approveComment", held["id"])
    for server in (a, b):
        took = await until(server.base, slug, lambda r: TOXIC in bodies(r))
        assert took < 1.0
    await decide(a.base, "approveComment", reply["id"])
    await until(b.base, slug, lambda r: TOXIC + " again" in bodies(r))
    await decide(a.base, "rejectComment", held["id"])
    for server in (b, a):
        took = await until(server.base, slug, lambda r: bodies(r) == [CLEAN, TOXIC + " again"])
        assert took < 1.0


async def test_processes_share_one_cache(pair: tuple[Server, Server]) -> None:
    a, b = pair
    slug, article = await new_article(a.base)
    await post(a.base, article, CLEAN, "ann")
    assert (await gql(a.base, THREAD, {"slug": slug})).headers["x-cache"] == "MISS"
    before = cache(b)
    shared = await gql(b.base, THREAD, {"slug": slug})
    assert shared.headers["x-cache"] == "HIT"
    assert cache(b)["remoteHits"] == before["remoteHits"] + 1


async def test_a_burst_across_processes_executes_once(pair: tuple[Server, Server]) -> None:
    a, b = pair
    slug, article = await new_article(a.base)
    await post(a.base, article, CLEAN, "ann")
    before = cache(a)["executions"] + cache(b)["executions"]
    responses = await asyncio.gather(
        *(gql(server.base, THREAD, {"slug": slug}) for server in (a, b) * 10)
    )
    assert len({response.content for response in responses}) == 1
    assert cache(a)["executions"] + cache(b)["executions"] == before + 1


async def test_moderators_and_readers_never_share(pair: tuple[Server, Server]) -> None:
    a, b = pair
    slug, article = await new_article(a.base)
    await post(a.base, article, CLEAN, "ann")
    held = await post(a.base, article, TOXIC, "bob")
    mod = token("mo", "moderator")
    for _ in range(2):
        reader = await gql(b.base, MODERATED, {"slug": slug})
        nodes = [e["node"] for e in reader.json()["data"]["article"]["comments"]["edges"]]
        assert [n["body"] for n in nodes] == [CLEAN]
        assert all(n["moderation"] is None for n in nodes)
        moderator = await gql(b.base, MODERATED, {"slug": slug}, as_=mod)
        assert moderator.json()["data"]["article"]["comments"]["edges"][0]["node"]["moderation"]
        assert moderator.headers["cache-control"] == "private, no-store"
    # The public thread, as a moderator: executed for them, never served from the cache.
    hits = cache(a)["hits"]
    response = await gql(a.base, THREAD, {"slug": slug}, as_=mod)
    assert "x-cache" not in response.headers
    assert cache(a)["hits"] == hits
    assert held["id"] not in response.text  # threads list published comments, for everyone


async def test_redis_going_away_degrades_to_executing(tmp_path: Path) -> None:
    host_port = int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    proxy = Proxy(host_port)
    await proxy.start()
    env = environment(tmp_path, f"redis://127.0.0.1:{proxy.port}/0")
    server = await asyncio.to_thread(start_server, tmp_path, env)
    try:
        await asyncio.to_thread(wait_connected, server)
        slug, article = await new_article(server.base)
        await post(server.base, article, CLEAN, "ann")
        held = await post(server.base, article, TOXIC, "bob")
        await until(server.base, slug, lambda r: bodies(r) == [CLEAN])
        assert (await gql(server.base, THREAD, {"slug": slug})).headers["x-cache"] == "HIT"
        await proxy.stop()
        deadline = time.monotonic() + 10
        while (await asyncio.to_thread(cache, server))["serving"]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        # Reads keep working, executed (the invalidations of others could not arrive).
        await decide(server.base, "approveComment", held["id"])
        for _ in range(5):
            response = await gql(server.base, THREAD, {"slug": slug})
            assert sorted(bodies(response)) == sorted([CLEAN, TOXIC])
            assert "x-cache" not in response.headers
        assert (await asyncio.to_thread(cache, server))["bypassed"] >= 1
        await proxy.start()
        deadline = time.monotonic() + 15
        while not (await asyncio.to_thread(cache, server))["serving"]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        await until(server.base, slug, lambda r: r.headers.get("x-cache") == "HIT", timeout=5)
    finally:
        await asyncio.to_thread(server.stop)
        await proxy.stop()


def test_an_unreachable_redis_never_fails_a_read(tmp_path: Path) -> None:
    closed = free_port()
    env = environment(tmp_path, f"redis://127.0.0.1:{closed}/0")
    server = start_server(tmp_path, env)
    try:

        async def run() -> None:
            slug, article = await new_article(server.base)
            await post(server.base, article, CLEAN, "ann")
            for _ in range(3):
                response = await gql(server.base, THREAD, {"slug": slug})
                assert bodies(response) == [CLEAN]

        asyncio.run(run())
        assert cache(server)["serving"] is False
    finally:
        server.stop()


def test_workers_share_one_port_through_redis(tmp_path: Path) -> None:
    server = start_server(tmp_path, environment(tmp_path), "--workers", "2")
    try:

        async def run() -> None:
            slug, article = await new_article(server.base)
            held = await post(server.base, article, TOXIC, "bob")
            for _ in range(10):
                await until(server.base, slug, lambda r: bodies(r) == [])
            await decide(server.base, "approveComment", held["id"])
            # Whichever worker answers, its cache heard of the decision.
            for _ in range(10):
                await until(server.base, slug, lambda r: bodies(r) == [TOXIC])

        asyncio.run(run())
    finally:
        server.stop()


def test_workers_without_redis_are_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
    env.update(environment(tmp_path, None))
    done = subprocess.run(
        [COMMENTMOD, "serve", "--port", str(free_port()), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--workers 2 needs COMMENTMOD_REDIS_URL" in done.stderr
