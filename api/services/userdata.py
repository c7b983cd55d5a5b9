"""A user's data (GDPR Articles 15, 17 and 20): export everything stored about a person,
or erase the person while the moderation record stays whole.

Both walk the tables of models/tables.py rather than a fixed list, so that a table added
later is covered: a *user column* is one with a foreign key to `users.id`, or a string
column named `*_id` / `*_by` that is not a foreign key to another table (ids kept
without a constraint, such as `notifications.actor_id`). A *comment column* is a
foreign key to `comments.id`.

Export: the user's row; every row with a user column equal to the user; every row whose
comment column names one of the user's comments (revisions, history, reports on them).
Other people's ids in those rows are left out (null): the export is about this person.

Erase: a tombstone user (`erased-<random>`, name "[erased]", same role and standing)
takes the person's place in every user column, so decisions, sanctions, counts and
history keep their shape; the person's own words are blanked (comment bodies and their
revisions, report details, feedback texts copied from their comments, reason details
quoting them); what is addressed to the person alone (notifications, console links) is
deleted; webhook outbox rows that mention them lose their payload. Then the read cache
and Redis drop whatever still mentions them (see `purge_caches`).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    String,
    Table,
    cast,
    delete,
    or_,
    select,
    text,
    update,
)
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.errors import BadUserInput, NotFound
from api.live.events import CommentChanged, Event
from api.runtime import Runtime
from api.services import audit
from models.tables import User, utcnow

logger = logging.getLogger("commentmod")

FORMAT = "commentmod-user-data/1"
TOMBSTONE_PREFIX = "erased-"
TOMBSTONE_NAME = "[erased]"
# Texts that are the person's own words, blanked on erasure: table -> {column: blank}.
OWN_WORDS: dict[str, dict[str, Any]] = {
    "comments": {"body": "", "client_mutation_id": None},
    "comment_revisions": {"body": ""},
    "reports": {"details": None},
    "feedback_examples": {"text": None},
}
# Rows that exist only for the person: deleted with them.
PERSONAL_ROWS = {"notifications": "user_id", "used_console_links": "user_id"}
# The moderation pipeline's reasons can quote the text (a banned word's detail).
REASONS = {"comments": "reasons", "comment_revisions": "reasons"}
OUTBOX = "webhook_deliveries"
# Named like user ids but naming other things.
NOT_USERS = {"client_mutation_id", "event_id", "community_id"}


def _tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def user_columns(table: Table) -> list[Column[Any]]:
    found = []
    for column in table.columns:
        targets = {fk.column.table.name for fk in column.foreign_keys}
        if "users" in targets or (
            not targets
            and _is_text(column)
            and not column.primary_key
            and column.name not in NOT_USERS
            and (column.name.endswith("_id") or column.name.endswith("_by"))
        ):
            found.append(column)
    return found


def _is_text(column: Column[Any]) -> bool:
    # sqlmodel's AutoString is a TypeDecorator over String.
    kind = column.type
    return isinstance(kind, String) or isinstance(getattr(kind, "impl", None), String)


def comment_columns(table: Table) -> list[Column[Any]]:
    return [
        c
        for c in table.columns
        if any(fk.column.table.name == "comments" for fk in c.foreign_keys)
        and table.name != "comments"
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def _comment_ids(session: AsyncSession, user_id: str) -> list[int]:
    comments = SQLModel.metadata.tables["comments"]
    rows = await (await session.connection()).execute(
        select(comments.c.id).where(comments.c.author_id == user_id)
    )
    return [row[0] for row in rows]


async def _user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("no user with that id", field="userId")
    return user


async def export(runtime: Runtime, user_id: str) -> dict[str, Any]:
    """Everything stored about `user_id`, as one JSON-ready document."""
    async with runtime.db.read() as session:
        user = await _user(session, user_id)
        comment_ids = await _comment_ids(session, user_id)
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in _tables():
            if table.name == "users":
                continue
            mine: list[ColumnElement[bool]] = [c == user_id for c in user_columns(table)]
            theirs: list[ColumnElement[bool]] = (
                [c.in_(comment_ids) for c in comment_columns(table)] if comment_ids else []
            )
            if table.name == "comments":
                theirs = [table.c.author_id == user_id]
            if not mine and not theirs:
                continue
            rows = await (await session.connection()).execute(
                select(table).where(or_(*mine, *theirs)).order_by(*table.primary_key.columns)
            )
            others = {c.name for c in user_columns(table)}
            found = []
            for row in rows.mappings():
                found.append(
                    {
                        key: (None if key in others and value != user_id else _plain(value))
                        for key, value in row.items()
                    }
                )
            if found:
                tables[table.name] = found
    return {
        "format": FORMAT,
        "exportedAt": utcnow().isoformat(),
        "user": {
            "id": user.id,
            "name": user.name,
            "role": user.role,
            "createdAt": _plain(user.created_at),
            "banned": user.banned,
            "suspendedUntil": _plain(user.suspended_until),
            "premoderated": user.premoderated,
        },
        "tables": tables,
    }


@dataclass
class Erasure:
    user_id: str
    tombstone_id: str
    comments: int = 0
    rows_reassigned: int = 0
    rows_deleted: int = 0
    # What the caches are searched for after the commit.
    needles: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _strip_details(reasons: Any) -> Any:
    if not isinstance(reasons, list):
        return reasons
    return [{"code": r.get("code")} if isinstance(r, dict) else r for r in reasons]


async def erase(runtime: Runtime, user_id: str, *, actor_id: str | None = None) -> Erasure:
    """Remove the person `user_id` (see the module's docstring), in one transaction, then
    purge the caches. `actor_id`: the admin who asked (None: the command line)."""
    if actor_id is not None and actor_id == user_id:
        raise BadUserInput("you cannot erase yourself", field="userId")
    if user_id.startswith(TOMBSTONE_PREFIX):
        raise BadUserInput("that user is already erased", field="userId")
    tables = SQLModel.metadata.tables
    async with runtime.db.write() as session:
        if (await session.connection()).dialect.name == "postgresql":
            # The audit log's trigger lets this transaction, and only it, rename the person.
            await session.execute(text("SELECT set_config('commentmod.erasure', 'on', true)"))
        user = await _user(session, user_id)
        tombstone = TOMBSTONE_PREFIX + uuid.uuid4().hex[:20]
        done = Erasure(user_id, tombstone, needles=[user_id, user.name])
        session.add(
            User(
                id=tombstone,
                name=TOMBSTONE_NAME,
                role=user.role,
                created_at=user.created_at,
                banned=user.banned,
                suspended_until=user.suspended_until,
                premoderated=user.premoderated,
            )
        )
        await session.flush()
        comments = tables["comments"]
        rows = await (await session.connection()).execute(
            select(comments.c.id, comments.c.article_id, comments.c.body).where(
                comments.c.author_id == user_id
            )
        )
        mine = [(row.id, row.article_id, row.body) for row in rows]
        comment_ids = [row[0] for row in mine]
        done.comments = len(mine)
        done.needles += [body for _id, _article, body in mine]
        done.events = [CommentChanged(article_id=a, comment_id=c) for c, a, _b in mine]
        if "comment_revisions" in tables and comment_ids:
            revisions = tables["comment_revisions"]
            found = await (await session.connection()).execute(
                select(revisions.c.body).where(revisions.c.comment_id.in_(comment_ids))
            )
            done.needles += [row[0] for row in found]
        # Only for this person: gone.
        for name, owner in PERSONAL_ROWS.items():
            if name in tables:
                table = tables[name]
                result = await (await session.connection()).execute(
                    delete(table).where(table.c[owner] == user_id)
                )
                done.rows_deleted += result.rowcount or 0  # type: ignore[attr-defined]
        # Their words, blanked where they are the person's.
        for name, blanks in OWN_WORDS.items():
            if name not in tables:
                continue
            table = tables[name]
            # Written by them (their comments, their reports), or copied from one of
            # their comments (revisions, feedback examples); not what they handled as
            # a moderator, which is other people's text.
            conditions: list[ColumnElement[bool]] = []
            if name == "comments":
                conditions = [table.c.author_id == user_id]
            elif name == "reports":
                conditions = [table.c.reporter_id == user_id]
            elif comment_ids:
                conditions = [c.in_(comment_ids) for c in comment_columns(table)]
            if conditions:
                await (await session.connection()).execute(
                    update(table).where(or_(*conditions)).values(**blanks)
                )
        for name, reasons_column in REASONS.items():
            if name not in tables or not comment_ids:
                continue
            table = tables[name]
            key = table.c.id if name == "comments" else table.c.comment_id
            found = await (await session.connection()).execute(
                select(table.c.id, table.c[reasons_column]).where(key.in_(comment_ids))
            )
            for row_id, reasons in list(found):
                await (await session.connection()).execute(
                    update(table)
                    .where(table.c.id == row_id)
                    .values({reasons_column: _strip_details(reasons)})
                )
        # The tombstone in the person's place, everywhere.
        for table in _tables():
            if table.name == "users":
                continue
            for column in user_columns(table):
                result = await (await session.connection()).execute(
                    update(table).where(column == user_id).values({column.name: tombstone})
                )
                done.rows_reassigned += result.rowcount or 0  # type: ignore[attr-defined]
        if OUTBOX in tables:
            await _redact_outbox(session, tables[OUTBOX], done.needles)
        if AUDIT in tables:
            await _pseudonymise_audit(session, tables[AUDIT], user_id, tombstone)
        await session.delete(user)
        await audit.record(
            session,
            actor_id=actor_id,
            action="user.erase",
            target=f"user:{tombstone}",
            details={"comments": done.comments},
        )
    runtime.events.publish_all(done.events)
    await purge_caches(runtime, done.needles)
    logger.info("erased user into %s: %d comments", tombstone, done.comments)
    return done


AUDIT = "audit_log"


async def _pseudonymise_audit(
    session: AsyncSession, log: Table, user_id: str, tombstone: str
) -> None:
    """The audit trail stays whole, naming the person by their tombstone: as actor (done
    with every user column), as target, and inside the details."""
    connection = await session.connection()
    await connection.execute(
        update(log).where(log.c.target == f"user:{user_id}").values(target=f"user:{tombstone}")
    )
    found = await connection.execute(
        select(log.c.id, log.c.details).where(
            cast(log.c.details, String).contains(user_id, autoescape=True)
        )
    )
    for row_id, details in list(found):
        await connection.execute(
            update(log).where(log.c.id == row_id).values(details=_swap(details, user_id, tombstone))
        )


def _swap(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return {old: new, f"user:{old}": f"user:{new}"}.get(value, value)
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    return value


async def _redact_outbox(session: AsyncSession, outbox: Table, needles: list[str]) -> None:
    """Outbox payloads are copies of events: those mentioning the person lose their data
    (a pending one still goes out, as {"erased": true})."""
    text = cast(outbox.c.payload, String)
    forms = {form for n in needles if n for form in (n, json.dumps(n)[1:-1])}
    if not forms:
        return
    await (await session.connection()).execute(
        update(outbox)
        .where(or_(*(text.contains(form, autoescape=True) for form in forms)))
        .values(payload={"erased": True})
    )


async def purge_caches(runtime: Runtime, needles: list[str]) -> int:
    """Drop cached responses and Redis keys that mention the person: this process's read
    cache, its in-memory rate-limit counters, and every key under the Redis prefix whose
    name or value holds one of `needles` (rate limits, cached responses, persisted
    queries). Other processes drop their cached responses on the CommentChanged events."""
    user_id = needles[0]
    dropped = runtime.cache.purge(needles)
    dropped += await runtime.limiter.forget_user(user_id)
    settings = runtime.settings
    if not settings.redis_url:
        return dropped
    from redis.asyncio import Redis

    forms = [form.encode() for n in needles if n for form in {n, json.dumps(n)[1:-1]}]
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        async for key in redis.scan_iter(match=f"{settings.redis_prefix}:*", count=500):
            if any(form in key for form in forms):
                dropped += await redis.delete(key)
                continue
            if await redis.type(key) != b"string":
                continue
            value = await redis.get(key)
            if value is not None and any(form in value for form in forms):
                dropped += await redis.delete(key)
    finally:
        await redis.aclose()
    return dropped
