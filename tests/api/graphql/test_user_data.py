"""A user's data end to end: exportMyData gives everything stored about the signed-in
person; eraseUser removes the person. After erasure, a scan of every column of every
table (whatever tables exist), of the read cache and of Redis finds nothing of them,
while decisions, sanctions, counts and history stay."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from sqlmodel import select as sqlmodel_select

from api.http.config import Config
from api.services import notifications
from api.services.userdata import TOMBSTONE_NAME, TOMBSTONE_PREFIX
from models.tables import Comment, CommentRevision
from tests.support.client import Api, make_settings
from tests.support.constants import APPROVE, CLEAN, REDIS_URL, REPORT, TOXIC, redis_available

ERIN, NAME = "erin-q7x", "Erin Quillfeather"
FIRST = "Erin's first remark about the zephyr bridge"
HELD = f"{TOXIC} zephyr quibble"
OLD = "Erin's earlier draft about marmalade ferries"
DETAILS = "Erin thinks this is spam about turnips"

EXPORT = "{ exportMyData }"
ERASE = """mutation($i: EraseUserInput!) { eraseUser(input: $i) { tombstoneId erasedComments } }"""
BAN = """mutation($i: BanUserInput!) { banUser(input: $i) { user { id } } }"""
REGISTER = """mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret } }"""
THREAD = """query($slug: String!) { article(slug: $slug) { commentCount comments {
  edges { node { id body author { id name } replies { edges { node { id body author { name } } } } } } } } }"""
HISTORY = """query($id: ID!) { comment(id: $id) { status moderation { history { status moderator { id } } } } }"""
COUNTS = "{ moderationQueueCounts { pending reported rejected } }"
USER = "query($id: ID!) { user(id: $id) { id name banned sanctions { kind reason } } }"

USE_REDIS = redis_available()


@pytest.fixture
def settings(database_url: str) -> Config:
    extra: dict[str, Any] = {"rate_limits": "on", "rate_limit_user": "1000 per minute"}
    if USE_REDIS:
        extra.update(redis_url=REDIS_URL, redis_prefix=f"cmtest-{uuid.uuid4().hex[:10]}")
    return make_settings(database_url, webhooks="off", **extra)


@pytest.fixture
async def redis_keys(settings: Config) -> AsyncIterator[None]:
    yield
    if USE_REDIS:
        from redis.asyncio import Redis

        redis = Redis.from_url(REDIS_URL)
        async for key in redis.scan_iter(match=f"{settings.redis_prefix}:*"):
            await redis.delete(key)
        await redis.aclose()


async def story(api: Api) -> dict[str, Any]:
    """Erin comments, is held, approved, edited, replied to, reports and is reported,
    is notified, banned; an endpoint queues events about it all; readers cache it."""
    erin, bob = api.token(ERIN, name=NAME), api.token("bob")
    mo, root = api.token("mo", "moderator"), api.token("root", "admin")
    await api.data(
        REGISTER,
        {"i": {"url": "http://127.0.0.1:9/down", "kinds": ["COMMENT_CREATED", "USER_SANCTIONED"]}},
        as_=root,
    )
    article = await api.create_article("gdpr")
    first = await api.comment(article["id"], FIRST, as_=erin)
    held = await api.comment(article["id"], HELD, as_=erin)
    assert held["status"] == "PENDING"
    await api.data(APPROVE, {"i": {"commentId": held["id"], "reason": "fine"}}, as_=mo)
    reply = await api.comment(article["id"], CLEAN, as_=bob, parent_id=first["id"])
    await api.data(
        REPORT, {"i": {"commentId": reply["id"], "reason": "SPAM", "details": DETAILS}}, as_=erin
    )
    await api.data(REPORT, {"i": {"commentId": first["id"], "reason": "SPAM"}}, as_=bob)
    async with api.runtime.db.write() as session:
        row = (
            await session.exec(sqlmodel_select(Comment).where(Comment.author_id == ERIN))
        ).first()
        assert row is not None
        session.add(
            CommentRevision(
                comment_id=row.id,
                number=1,
                body=OLD,
                status="APPROVED",
                created_at=datetime.now(UTC),
            )
        )
        await notifications.notify(session, ERIN, "MESSAGE", message=f"Dear {NAME}", actor_id="mo")
        await notifications.notify(session, "bob", "REPLY", comment_id=row.id, actor_id=ERIN)
    # Readers' cached view of the thread shows Erin's name and words.
    seen = await api.data(THREAD, {"slug": "gdpr"})
    assert NAME in json.dumps(seen)
    await api.data(
        BAN, {"i": {"userId": ERIN, "reason": "spam", "rejectExistingComments": False}}, as_=mo
    )
    return {"article": article, "first": first, "held": held, "reply": reply}


async def test_export_my_data_has_everything_stored_about_me(api: Api, redis_keys: None) -> None:
    await story(api)
    document = (await api.data(EXPORT, as_=api.token(ERIN, name=NAME)))["exportMyData"]
    assert document["user"]["id"] == ERIN and document["user"]["name"] == NAME
    assert document["user"]["banned"] is True
    tables = document["tables"]
    assert {c["body"] for c in tables["comments"]} == {FIRST, HELD}
    assert [r["body"] for r in tables["comment_revisions"]] == [OLD]
    assert {r["details"] for r in tables["reports"]} >= {DETAILS}
    # Reports on Erin's comments are listed too, without the reporter's identity.
    assert any(r["reporter_id"] is None for r in tables["reports"])
    assert [s["kind"] for s in tables["sanctions"]] == ["BAN"]
    assert tables["sanctions"][0]["moderator_id"] is None  # someone else
    assert {n["kind"] for n in tables["notifications"]} >= {"MESSAGE", "REPLY"}
    assert {a["status"] for a in tables["moderation_actions"]} >= {"PENDING", "APPROVED"}
    # Only Erin's: nothing of bob's own comment.
    assert CLEAN not in json.dumps(document)
    error = await api.error(EXPORT)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def _needles() -> list[str]:
    return [ERIN, NAME, FIRST, HELD, OLD, DETAILS]


async def _scan_tables(api: Api) -> list[str]:
    """Every column of every table, whatever tables exist, searched for the needles."""
    found = []
    async with api.runtime.db.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            connection = await session.connection()
            for row in (await connection.execute(select(table))).mappings():
                for column, value in row.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    escaped = json.dumps(text)
                    found += [
                        f"{table.name}.{column}: {n!r}"
                        for n in _needles()
                        if n in text or json.dumps(n)[1:-1] in escaped
                    ]
    return found


async def _scan_caches(api: Api, settings: Config) -> list[str]:
    found = [
        f"cache entry {key}"
        for key, entry in api.runtime.cache.local._entries.items()
        if any(n.encode() in entry.body for n in _needles())
    ]
    if USE_REDIS:
        from redis.asyncio import Redis

        redis = Redis.from_url(REDIS_URL)
        async for key in redis.scan_iter(match=f"{settings.redis_prefix}:*"):
            value = await redis.get(key) if await redis.type(key) == b"string" else b""
            if any(n.encode() in key or n.encode() in (value or b"") for n in _needles()):
                found.append(f"redis {key!r}")
        await redis.aclose()
    return found


async def test_erase_user_leaves_nothing_of_them_and_keeps_the_record(
    api: Api, settings: Config, redis_keys: None
) -> None:
    scene = await story(api)
    mo, root = api.token("mo", "moderator"), api.token("root", "admin")
    before_thread = await api.data(THREAD, {"slug": "gdpr"})
    before_counts = await api.data(COUNTS, as_=mo)
    # Before: the scans do find Erin (they are not blind).
    assert await _scan_tables(api)
    assert USE_REDIS is False or any("redis" in f for f in await _scan_caches(api, settings))

    for who, code in ((mo, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        error = await api.error(ERASE, {"i": {"userId": ERIN}}, as_=who)
        assert error["extensions"]["code"] == code
    error = await api.error(ERASE, {"i": {"userId": "nobody"}}, as_=root)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(ERASE, {"i": {"userId": "root"}}, as_=root)
    assert error["extensions"]["code"] in {"BAD_USER_INPUT", "NOT_FOUND"}

    erased = (await api.data(ERASE, {"i": {"userId": ERIN}}, as_=root))["eraseUser"]
    tombstone = erased["tombstoneId"]
    assert tombstone.startswith(TOMBSTONE_PREFIX) and ERIN not in tombstone
    assert erased["erasedComments"] == 2

    assert await _scan_tables(api) == []
    assert await _scan_caches(api, settings) == []

    # The record stays: the same thread shape and counts, decisions and the sanction,
    # now by the tombstone.
    after_thread = await api.data(THREAD, {"slug": "gdpr"})
    assert after_thread["article"]["commentCount"] == before_thread["article"]["commentCount"]
    nodes = [e["node"] for e in after_thread["article"]["comments"]["edges"]]
    assert [n["id"] for n in nodes] == [
        e["node"]["id"] for e in before_thread["article"]["comments"]["edges"]
    ]
    erased_nodes = [n for n in nodes if n["author"]["id"] == tombstone]
    assert len(erased_nodes) == 2
    assert {n["author"]["name"] for n in erased_nodes} == {TOMBSTONE_NAME}
    assert {n["body"] for n in erased_nodes} == {""}
    assert any(n["replies"]["edges"] for n in erased_nodes)  # bob's reply still hangs there
    assert await api.data(COUNTS, as_=mo) == before_counts
    history = (await api.data(HISTORY, {"id": scene["held"]["id"]}, as_=mo))["comment"]
    assert [h["status"] for h in history["moderation"]["history"]] == ["PENDING", "APPROVED"]
    user = (await api.data(USER, {"id": tombstone}, as_=mo))["user"]
    assert user["name"] == TOMBSTONE_NAME and user["banned"] is True
    assert [s["kind"] for s in user["sanctions"]] == ["BAN"]
    assert (await api.data(USER, {"id": ERIN}, as_=mo))["user"] is None
    # Once erased, always erased: asking again finds no one.
    error = await api.error(ERASE, {"i": {"userId": ERIN}}, as_=root)
    assert error["extensions"]["code"] == "NOT_FOUND"
