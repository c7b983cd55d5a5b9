"""Fill a database with a realistic comment load, fast.

    python bench/seed.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_commentmod
    python bench/seed.py --database-url sqlite+aiosqlite:////tmp/bench.db --comments 100000

Migrates the database first (models.migrate.upgrade), then writes users, articles,
comments, one system decision per comment (moderation_actions) and open reports in bulk:
PostgreSQL through asyncpg's COPY, SQLite through executemany in one transaction. The
secondary indexes of the bulk-loaded tables are dropped for the load and rebuilt from the
exact definitions the migrations created, then the tables are analysed.

The mix: a few viral articles with far more comments than the median (log-normal
otherwise), threads with replies nested up to 3 levels (replies go to visible comments,
mostly recent ones, a quarter by preferential attachment so that a few comments draw long
discussions), 5% PENDING, 1% REJECTED, 0.5% of visible comments with open reports,
toxicity scores, comments spread over six months. The denormalised counters
(articles.comment_count / top_level_count, comments.reply_count, root_id) are computed
exactly as the service keeps them: APPROVED comments only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._benchdb import asyncpg_dsn, backend, create_database, sqlite_file
from models.migrate import upgrade

DAY = 86_400.0
# Fixed so that runs are comparable; comments never land after it.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()
SPAN_DAYS = 180
PENDING_SHARE, REJECTED_SHARE, REPORTED_SHARE = 0.05, 0.01, 0.005
TOP_LEVEL_SHARE = 0.55
# Replies that go to a comment in proportion to the replies it already has (a few
# comments draw long discussions); the rest answer one of the latest comments.
POPULAR_SHARE = 0.25
MAX_DEPTH = 3
# Shares of all comments taken by the viral articles (the rest is log-normal).
VIRAL_SHARES = (0.10, 0.06, 0.04, 0.025, 0.015)
BATCH = 50_000

APPROVED, PENDING, REJECTED = "APPROVED", "PENDING", "REJECTED"
STATUS_NAMES = (APPROVED, PENDING, REJECTED)

COMMENT_COLUMNS = (
    "id",
    "article_id",
    "parent_id",
    "root_id",
    "author_id",
    "body",
    "status",
    "version",
    "language",
    "scores",
    "max_score",
    "model",
    "reasons",
    "reply_count",
    "open_reports",
    "client_mutation_id",
    "claimed_by",
    "claimed_until",
    "created_at",
    "updated_at",
)
ARTICLE_COLUMNS = (
    "id",
    "slug",
    "title",
    "body",
    "url",
    "language",
    "published_at",
    "listed_at",
    "comments_open",
    "premoderate_all",
    "premoderate_links",
    "comment_count",
    "top_level_count",
    "created_at",
    "updated_at",
)
USER_COLUMNS = ("id", "name", "role", "created_at")
ACTION_COLUMNS = ("id", "comment_id", "status", "moderator_id", "reason", "created_at")
REPORT_COLUMNS = (
    "id",
    "comment_id",
    "reporter_id",
    "reason",
    "details",
    "created_at",
    "resolved_at",
)
BULK_TABLES = ("comments", "moderation_actions", "reports")

WORD_TEXT = (
    "the council said bridge river traffic reopen weeks after repairs residents welcome "
    "news finally cost budget mayor plan commute school election vote policy local "
    "business tax rain flood season team match win coach players fans stadium ticket "
    "price energy bill winter heating rent housing market green park library hospital "
    "nurse doctor wait time train bus delay strike union pay deal agree disagree honest "
    "really think great terrible shame lovely surprised obviously maybe never always"
)
WORDS = tuple(WORD_TEXT.split())


@dataclass
class Dataset:
    """Everything to write, in compact columns (index i is comment id i + 1)."""

    users: list[str]
    article_published: list[float]
    comment_count: list[int]
    top_level_count: list[int]
    article_of: list[int] = field(default_factory=list)
    parent_of: list[int | None] = field(default_factory=list)
    root_of: list[int | None] = field(default_factory=list)
    author_of: list[int] = field(default_factory=list)
    status_of: list[int] = field(default_factory=list)
    score_of: list[float] = field(default_factory=list)
    time_of: list[float] = field(default_factory=list)
    reply_count: list[int] = field(default_factory=list)
    open_reports: dict[int, int] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)


def article_sizes(rng: random.Random, comments: int, articles: int) -> list[int]:
    """Comments per article: a few viral ones, a log-normal rest; sums to `comments`."""
    viral = [round(share * comments) for share in VIRAL_SHARES[: max(0, articles // 100)]]
    rest = articles - len(viral)
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(rest)]
    remaining = comments - sum(viral)
    total = sum(weights)
    sizes = [int(remaining * w / total) for w in weights]
    for i in range(remaining - sum(sizes)):
        sizes[i % rest] += 1
    sizes = viral + sizes
    rng.shuffle(sizes)
    return sizes


def generate(comments: int, articles: int, users: int, seed: int) -> Dataset:
    rng = random.Random(seed)
    user_ids = [f"user-{i:06d}" for i in range(1, users + 1)]
    published = [NOW - rng.uniform(0.2, SPAN_DAYS) * DAY for _ in range(articles)]
    sizes = article_sizes(rng, comments, articles)

    # Comment times: most arrive in the first days after publication.
    events: list[tuple[float, int]] = []
    for article, (size, start) in enumerate(zip(sizes, published, strict=True)):
        for _ in range(size):
            moment = start + rng.expovariate(1.0 / (1.5 * DAY))
            if moment >= NOW:
                moment = rng.uniform(start, NOW)
            events.append((moment, article))
    events.sort()

    data = Dataset(
        users=user_ids,
        article_published=published,
        comment_count=[0] * articles,
        top_level_count=[0] * articles,
    )
    # A few prolific authors, a long tail.
    author_weights = list(_cumulative(1.0 / (rank + 10) for rank in range(users)))
    data.author_of = [
        int(a) for a in _bisect_many(author_weights, [rng.random() for _ in range(comments)])
    ]
    # Per article: visible top-level comments and visible replies that may take a reply.
    tops: list[list[int]] = [[] for _ in range(articles)]
    nested: list[list[int]] = [[] for _ in range(articles)]
    # One entry per visible reply, naming its parent: a draw is preferential attachment.
    answered: list[list[int]] = [[] for _ in range(articles)]
    depth: list[int] = []
    data.reply_count = [0] * comments
    for index, (moment, article) in enumerate(events):
        cid = index + 1
        draw = rng.random()
        status = 1 if draw < PENDING_SHARE else 2 if draw < PENDING_SHARE + REJECTED_SHARE else 0
        parent: int | None = None
        if tops[article] and rng.random() > TOP_LEVEL_SHARE:
            if answered[article] and rng.random() < POPULAR_SHARE:
                parent = rng.choice(answered[article])
            else:
                pool = nested[article] if nested[article] and rng.random() < 0.35 else tops[article]
                # Otherwise replies go to recent comments, mostly.
                back = min(len(pool), int(rng.expovariate(0.08)) + 1)
                parent = pool[-back]
        level = 0 if parent is None else depth[parent - 1] + 1
        depth.append(level)
        data.article_of.append(article + 1)
        data.parent_of.append(parent)
        data.root_of.append(None if parent is None else (data.root_of[parent - 1] or parent))
        data.status_of.append(status)
        data.time_of.append(moment)
        if status == 0:
            score = min(rng.betavariate(1.0, 12.0), 0.79)
            data.comment_count[article] += 1
            if parent is None:
                data.top_level_count[article] += 1
                tops[article].append(cid)
            else:
                data.reply_count[parent - 1] += 1
                answered[article].append(parent)
                if level < MAX_DEPTH:
                    nested[article].append(cid)
            if rng.random() < REPORTED_SHARE:
                data.open_reports[cid] = 1 + int(rng.expovariate(1.0))
        elif status == 1:
            score = rng.uniform(0.8, 1.0) if rng.random() < 0.7 else rng.betavariate(1.0, 6.0)
        else:
            score = rng.uniform(0.5, 1.0)
        data.score_of.append(score)
    data.bodies = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 60))).capitalize() + "."
        for _ in range(4000)
    ]
    return data


def _cumulative(values: Iterator[float]) -> Iterator[float]:
    total = 0.0
    running: list[float] = []
    for value in values:
        total += value
        running.append(total)
    return (v / total for v in running)


def _bisect_many(cumulative: Sequence[float], draws: Sequence[float]) -> Iterator[int]:
    from bisect import bisect_left

    last = len(cumulative) - 1
    return (min(bisect_left(cumulative, d), last) for d in draws)


# Row builders: `stamp` turns epoch seconds into what the driver wants for a datetime.


def reasons_for(status: int, score: float) -> list[dict[str, Any]]:
    if status == 1:
        if score >= 0.8:
            return [{"code": "TOXICITY", "detail": f"toxicity {score:.2f}", "spans": []}]
        return [{"code": "SUSPECT_WORD", "detail": "suspect word", "spans": [[0, 4]]}]
    if status == 2:
        return [{"code": "BANNED_WORD", "detail": "banned word", "spans": [[0, 4]]}]
    return []


def comment_rows(data: Dataset, start: int, stop: int, stamp: Any) -> list[tuple[Any, ...]]:
    rows = []
    bodies = data.bodies
    for i in range(start, stop):
        status, score = data.status_of[i], data.score_of[i]
        created = stamp(data.time_of[i])
        rows.append(
            (
                i + 1,
                data.article_of[i],
                data.parent_of[i],
                data.root_of[i],
                data.users[data.author_of[i]],
                bodies[i % len(bodies)],
                STATUS_NAMES[status],
                1,
                "en",
                json.dumps({"toxicity": round(score, 4)}),
                score,
                "linear",
                json.dumps(reasons_for(status, score)),
                data.reply_count[i],
                data.open_reports.get(i + 1, 0),
                None,
                None,
                None,
                created,
                created,
            )
        )
    return rows


def action_rows(data: Dataset, start: int, stop: int, stamp: Any) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(start, stop):
        status = data.status_of[i]
        reasons = reasons_for(status, data.score_of[i])
        reason = ", ".join(r["code"] for r in reasons) or None
        rows.append((i + 1, i + 1, STATUS_NAMES[status], None, reason, stamp(data.time_of[i])))
    return rows


def report_rows(data: Dataset, stamp: Any) -> list[tuple[Any, ...]]:
    rng = random.Random(7)
    rows: list[tuple[Any, ...]] = []
    for cid, count in sorted(data.open_reports.items()):
        reporters = rng.sample(range(len(data.users)), count)
        for reporter in reporters:
            moment = min(data.time_of[cid - 1] + rng.uniform(60, DAY), NOW)
            reason = rng.choice(("SPAM", "ABUSE", "OFF_TOPIC", "OTHER"))
            rows.append(
                (len(rows) + 1, cid, data.users[reporter], reason, None, stamp(moment), None)
            )
    return rows


def article_rows(data: Dataset, stamp: Any) -> list[tuple[Any, ...]]:
    rows = []
    for i, moment in enumerate(data.article_published):
        at = stamp(moment)
        rows.append(
            (
                i + 1,
                f"article-{i + 1:05d}",
                f"Article {i + 1}",
                "Body of the article. " * 20,
                f"https://news.example/article-{i + 1:05d}",
                "en",
                at,
                at,
                True,
                None,
                None,
                data.comment_count[i],
                data.top_level_count[i],
                at,
                at,
            )
        )
    return rows


def user_rows(data: Dataset, stamp: Any) -> list[tuple[Any, ...]]:
    joined = stamp(NOW - 400 * DAY)
    rows: list[tuple[Any, ...]] = [
        (uid, f"User {i + 1}", "commenter", joined) for i, uid in enumerate(data.users)
    ]
    rows.append(("bench-moderator", "Bench Moderator", "moderator", joined))
    return rows


def pg_stamp(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def sqlite_stamp(moment: float) -> str:
    # SQLAlchemy's SQLite DATETIME storage format, in UTC (what UTCDateTime stores).
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def load_postgres(url: str, data: Dataset) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(make_url(url)))
    try:
        if await conn.fetchval("SELECT count(*) FROM comments"):
            raise SystemExit("the database already holds comments; use --fresh")
        # Secondary indexes (not those behind constraints) are rebuilt after the load.
        indexes = await conn.fetch(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            list(BULK_TABLES),
        )
        await conn.execute("SET session_replication_role = replica")  # no FK triggers
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        await conn.copy_records_to_table(
            "users", records=user_rows(data, pg_stamp), columns=USER_COLUMNS
        )
        await conn.copy_records_to_table(
            "articles", records=article_rows(data, pg_stamp), columns=ARTICLE_COLUMNS
        )
        total = len(data.article_of)
        for start in range(0, total, BATCH):
            stop = min(start + BATCH, total)
            await conn.copy_records_to_table(
                "comments",
                records=comment_rows(data, start, stop, pg_stamp),
                columns=COMMENT_COLUMNS,
            )
            await conn.copy_records_to_table(
                "moderation_actions",
                records=action_rows(data, start, stop, pg_stamp),
                columns=ACTION_COLUMNS,
            )
        await conn.copy_records_to_table(
            "reports", records=report_rows(data, pg_stamp), columns=REPORT_COLUMNS
        )
        rebuild = time.perf_counter()
        for index in indexes:
            await conn.execute(index["indexdef"])
        print(f"  indexes rebuilt in {time.perf_counter() - rebuild:.1f}s")
        for table in ("articles", *BULK_TABLES):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        analyse = time.perf_counter()
        # VACUUM sets the visibility map (index-only scans), as on a settled database.
        for table in ("users", "articles", *BULK_TABLES):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        print(f"  vacuum analyze in {time.perf_counter() - analyse:.1f}s")
    finally:
        await conn.close()


def load_sqlite(url: str, data: Dataset) -> None:
    conn = sqlite3.connect(sqlite_file(url), isolation_level=None)
    try:
        if conn.execute("SELECT count(*) FROM comments").fetchone()[0]:
            raise SystemExit("the database already holds comments; use --fresh")
        for pragma in (
            "journal_mode=MEMORY",
            "synchronous=OFF",
            "foreign_keys=OFF",
            "cache_size=-524288",
            "temp_store=MEMORY",
        ):
            conn.execute(f"PRAGMA {pragma}")
        names = ",".join(f"'{t}'" for t in BULK_TABLES)
        indexes = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND sql IS NOT NULL AND tbl_name IN ({names})"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')

        def insert(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
            marks = ",".join("?" * len(columns))
            conn.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)

        insert("users", USER_COLUMNS, user_rows(data, sqlite_stamp))
        insert("articles", ARTICLE_COLUMNS, article_rows(data, sqlite_stamp))
        total = len(data.article_of)
        for start in range(0, total, BATCH):
            stop = min(start + BATCH, total)
            insert("comments", COMMENT_COLUMNS, comment_rows(data, start, stop, sqlite_stamp))
            insert(
                "moderation_actions", ACTION_COLUMNS, action_rows(data, start, stop, sqlite_stamp)
            )
        insert("reports", REPORT_COLUMNS, report_rows(data, sqlite_stamp))
        rebuild = time.perf_counter()
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        print(f"  indexes rebuilt in {time.perf_counter() - rebuild:.1f}s")
        analyse = time.perf_counter()
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
        print(f"  analyze in {time.perf_counter() - analyse:.1f}s")
    finally:
        conn.close()


def summary(data: Dataset) -> str:
    sizes = sorted(data.comment_count)
    statuses = [data.status_of.count(s) for s in range(3)]
    replies = sum(1 for p in data.parent_of if p is not None)
    median = sizes[len(sizes) // 2] if sizes else 0
    return (
        f"{len(data.article_of):,} comments ({replies:,} replies; "
        f"{statuses[0]:,} approved, {statuses[1]:,} pending, {statuses[2]:,} rejected; "
        f"{len(data.open_reports):,} reported) over {len(data.article_published):,} articles "
        f"(visible per article: median {median:,}, max {sizes[-1] if sizes else 0:,}; "
        f"most visible replies to one comment: {max(data.reply_count, default=0):,}), "
        f"{len(data.users):,} users"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args(argv)
    seed(args.database_url, args.comments, args.articles, args.users, args.seed, args.fresh)


def seed(url: str, comments: int, articles: int, users: int, rng_seed: int, fresh: bool) -> float:
    """Create, migrate and fill the database; returns the seconds it took."""
    started = time.perf_counter()
    asyncio.run(create_database(url, fresh=fresh))
    upgrade(url)
    migrated = time.perf_counter()
    print(f"migrated in {migrated - started:.1f}s")
    data = generate(comments, articles, users, rng_seed)
    generated = time.perf_counter()
    print(f"generated in {generated - migrated:.1f}s: {summary(data)}")
    if backend(url) == "sqlite":
        load_sqlite(url, data)
    else:
        asyncio.run(load_postgres(url, data))
    took = time.perf_counter() - started
    print(f"seeded {backend(url)} in {took:.1f}s (load {time.perf_counter() - generated:.1f}s)")
    return took


if __name__ == "__main__":
    main()
