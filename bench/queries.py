"""Page and count queries at scale: p50/p99 at the database, with their plans.

    python bench/seed.py --database-url URL            # 1,000,000 comments, once
    python bench/queries.py --database-url URL [--database-url URL2] [--runs 200]

or seed a throw-away database first (dropped at the end unless --keep):

    python bench/queries.py --database-url URL --seed-comments 1000000

Every shape runs the service's own data-access functions (models.queries.comments) on
one connection, a fresh session per run, so the figures are the SQL the API runs plus
the ORM's row loading, without HTTP or GraphQL:

- thread: `thread_pages` for one article's top-level page (20, NEWEST_FIRST), then
  `thread_pages` for the first 5 replies of each comment on that page (OLDEST_FIRST), as
  the DataLoader does for `article { comments(first: 20) { ... replies(first: 5) } }`;
  for the median article and the largest one, first page and the page reached by walking
  --deep-pages pages with keyset cursors;
- queue: `queue_page(queue_filter(...))`, PENDING OLDEST_FIRST and MOST_TOXIC_FIRST,
  REPORTED OLDEST_FIRST, first page and a deep page (keyset walk);
- counts: `count_where` for PENDING, REPORTED and REJECTED (moderationQueueCounts).

Each shape is also timed as bare SQL: the statements it sent, with the same parameters,
through the driver alone (no ORM); the target (20 ms p99) is judged on that column.

Then the plan of every statement: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY
PLAN on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._benchdb import backend, drop_database
from models.database import Database
from models.queries.comments import (
    MOST_TOXIC,
    NEWEST,
    OLDEST,
    ThreadScope,
    count_where,
    queue_filter,
    queue_page,
    thread_pages,
)
from models.queries.keyset import Key, Order
from models.tables import Article, Comment

TOP_PAGE, REPLY_PAGE, QUEUE_PAGE = 20, 5, 20
REPORT_THRESHOLD = 1
TARGET_MS = 20.0
# A shape that is this slow gets fewer runs (at least MIN_RUNS), to keep the run short.
SHAPE_BUDGET_S = 15.0
MIN_RUNS = 20

Run = Callable[[AsyncSession], Awaitable[int]]


@dataclass
class Statement:
    sql: str
    params: Any


@dataclass
class Shape:
    name: str
    run: Run
    kind: str  # "page" (target applies) or "count"
    samples: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)
    rows: int = 0
    sql_samples: list[float] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)


class Recorder:
    """Collects the statements the engine sends while `on` is set."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.statements: list[Statement] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> None:
        if self.on and not statement.lstrip().upper().startswith(("BEGIN", "EXPLAIN")):
            self.statements.append(Statement(statement, parameters))


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def walk_thread(session: AsyncSession, article_id: int, pages: int) -> tuple[Key | None, int]:
    """The cursor after `pages` top-level pages (or the last full page) and the depth."""
    after: Key | None = None
    walked = 0
    for _ in range(pages):
        scope = ThreadScope("article", TOP_PAGE, after, "newest")
        page = (await thread_pages(session, scope, [article_id]))[article_id]
        if not page.has_next:
            break
        after = NEWEST.key(page.rows[-1])
        walked += 1
    return after, walked


async def walk_queue(
    session: AsyncSession, queue: str, order: Order, pages: int
) -> tuple[Key | None, int]:
    after: Key | None = None
    walked = 0
    conditions = queue_filter(queue, REPORT_THRESHOLD, None)
    for _ in range(pages):
        page = await queue_page(session, conditions, order, QUEUE_PAGE, after)
        if not page.has_next:
            break
        after = order.key(page.rows[-1])
        walked += 1
    return after, walked


def thread_shape(name: str, article_id: int, after: Key | None) -> Shape:
    parts: dict[str, list[float]] = {"top": [], "replies": []}

    async def run(session: AsyncSession) -> int:
        started = time.perf_counter()
        scope = ThreadScope("article", TOP_PAGE, after, "newest")
        page = (await thread_pages(session, scope, [article_id]))[article_id]
        middle = time.perf_counter()
        owners = [c.id for c in page.rows if c.id is not None]
        replies = await thread_pages(
            session, ThreadScope("parent", REPLY_PAGE, None, "oldest"), owners
        )
        ended = time.perf_counter()
        parts["top"].append((middle - started) * 1000)
        parts["replies"].append((ended - middle) * 1000)
        return len(page.rows) + sum(len(p.rows) for p in replies.values())

    return Shape(name, run, "page", parts=parts)


def queue_shape(name: str, queue: str, order: Order, after: Key | None) -> Shape:
    conditions = queue_filter(queue, REPORT_THRESHOLD, None)

    async def run(session: AsyncSession) -> int:
        return len((await queue_page(session, conditions, order, QUEUE_PAGE, after)).rows)

    return Shape(name, run, "page")


def count_shape(name: str, queues: Sequence[str]) -> Shape:
    async def run(session: AsyncSession) -> int:
        total = 0
        for queue in queues:
            total += await count_where(session, queue_filter(queue, REPORT_THRESHOLD, None))
        return total

    return Shape(name, run, "count")


async def build_shapes(session: AsyncSession, deep_pages: int) -> tuple[list[Shape], str]:
    articles = list(
        (await session.exec(select(Article).order_by(col(Article.top_level_count)))).all()
    )
    median = articles[len(articles) // 2]
    viral = articles[-1]
    assert median.id is not None and viral.id is not None
    shapes: list[Shape] = []
    notes = []
    for label, article in (("median", median), ("viral", viral)):
        assert article.id is not None
        after, walked = await walk_thread(session, article.id, deep_pages)
        notes.append(
            f"{label} article {article.id}: {article.top_level_count:,} visible top-level, "
            f"{article.comment_count:,} visible; deep page = page {walked + 1}"
        )
        shapes.append(thread_shape(f"thread {label}, first page", article.id, None))
        shapes.append(thread_shape(f"thread {label}, page {walked + 1}", article.id, after))
    for queue, order, order_name in (
        ("PENDING", OLDEST, "OLDEST_FIRST"),
        ("PENDING", MOST_TOXIC, "MOST_TOXIC_FIRST"),
        ("REPORTED", OLDEST, "OLDEST_FIRST"),
    ):
        after, walked = await walk_queue(session, queue, order, deep_pages)
        shapes.append(queue_shape(f"queue {queue} {order_name}, first page", queue, order, None))
        shapes.append(
            queue_shape(f"queue {queue} {order_name}, page {walked + 1}", queue, order, after)
        )
    for queue in ("PENDING", "REPORTED", "REJECTED"):
        shapes.append(count_shape(f"count {queue}", [queue]))
    shapes.append(count_shape("moderationQueueCounts (all 3)", ["PENDING", "REPORTED", "REJECTED"]))
    sizes = {}
    for queue in ("PENDING", "REPORTED", "REJECTED"):
        sizes[queue] = await count_where(session, queue_filter(queue, REPORT_THRESHOLD, None))
    total = (await session.exec(select(func.count()).select_from(Comment))).one()
    notes.append(
        f"{total:,} comments; queues: "
        + ", ".join(f"{queue} {size:,}" for queue, size in sizes.items())
    )
    return shapes, "\n".join(notes)


async def measure(conn: AsyncConnection, shape: Shape, runs: int, warmup: int) -> None:
    started = time.perf_counter()
    for i in range(warmup + runs):
        async with AsyncSession(bind=conn) as session:
            begin = time.perf_counter()
            shape.rows = await shape.run(session)
            took = (time.perf_counter() - begin) * 1000
        if i < warmup:
            for part in shape.parts.values():
                part.clear()
            continue
        shape.samples.append(took)
        spent = time.perf_counter() - started
        if len(shape.samples) >= MIN_RUNS and spent > SHAPE_BUDGET_S:
            break


async def explain(conn: AsyncConnection, dialect: str, statement: Statement) -> str:
    if dialect == "sqlite":
        result = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, statement.params)
        depth: dict[int, int] = {0: 0}
        lines = []
        for row in result.all():
            node, parent, _unused, detail = tuple(row)
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * depth[node] + str(detail))
        return "\n".join(lines)
    result = await conn.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params
    )
    return "\n".join(str(row[0]) for row in result.all())


async def capture(conn: AsyncConnection, recorder: Recorder, shape: Shape) -> None:
    recorder.statements.clear()
    recorder.on = True
    try:
        async with AsyncSession(bind=conn) as session:
            await shape.run(session)
    finally:
        recorder.on = False
    shape.statements = list(recorder.statements)
    for part in shape.parts.values():
        part.pop()


async def measure_sql(conn: AsyncConnection, shape: Shape, runs: int, warmup: int) -> None:
    """The same statements with the same parameters, through the driver only (no ORM)."""
    started = time.perf_counter()
    for i in range(warmup + runs):
        begin = time.perf_counter()
        for statement in shape.statements:
            (await conn.exec_driver_sql(statement.sql, statement.params)).all()
        took = (time.perf_counter() - begin) * 1000
        await conn.rollback()
        if i < warmup:
            continue
        shape.sql_samples.append(took)
        if len(shape.sql_samples) >= MIN_RUNS and time.perf_counter() - started > SHAPE_BUDGET_S:
            break


async def bench(
    url: str, runs: int, warmup: int, deep_pages: int, only: str | None = None
) -> list[dict[str, Any]]:
    dialect = backend(url)
    db = Database(url, pool_size=1, max_overflow=0)
    recorder = Recorder(db)
    results: list[dict[str, Any]] = []
    try:
        async with db.engine.connect() as conn:
            async with AsyncSession(bind=conn) as session:
                shapes, notes = await build_shapes(session, deep_pages)
            await conn.rollback()
            wanted = None if only is None else only.split(",")
            shapes = [s for s in shapes if wanted is None or any(w in s.name for w in wanted)]
            print(f"\n## {dialect}: {db.url.render_as_string(hide_password=True)}\n\n{notes}")
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"load average before the runs ({os.cpu_count()} CPUs): {load}\n")
            for shape in shapes:
                await measure(conn, shape, runs, warmup)
                await capture(conn, recorder, shape)
                await measure_sql(conn, shape, runs, warmup)
                p50, p99 = percentile(shape.samples, 0.5), percentile(shape.samples, 0.99)
                sql50 = percentile(shape.sql_samples, 0.5)
                sql99 = percentile(shape.sql_samples, 0.99)
                parts = ", ".join(
                    f"{name} {percentile(v, 0.5):.2f} / {percentile(v, 0.99):.2f}"
                    for name, v in shape.parts.items()
                )
                results.append(
                    {
                        "database": dialect,
                        "shape": shape.name,
                        "kind": shape.kind,
                        "rows": shape.rows,
                        "statements": len(shape.statements),
                        "runs": len(shape.samples),
                        "p50": p50,
                        "p99": p99,
                        "sql_p50": sql50,
                        "sql_p99": sql99,
                        "parts": parts,
                    }
                )
                print(
                    f"  {shape.name}: functions p50 {p50:.2f} / p99 {p99:.2f} ms, "
                    f"SQL p50 {sql50:.2f} / p99 {sql99:.2f} ms  {parts}",
                    flush=True,
                )
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"\nload average after the runs ({os.cpu_count()} CPUs): {load}")
            print(f"\n### plans ({dialect})")
            for shape in shapes:
                for number, statement in enumerate(shape.statements, 1):
                    print(f"\n#### {shape.name} — statement {number}\n")
                    print("```sql\n" + statement.sql.strip() + f"\n-- params: {statement.params}")
                    print("```\n```\n" + await explain(conn, dialect, statement) + "\n```")
                    await conn.rollback()
    finally:
        await db.dispose()
    return results


def table(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| database | query | rows | stmts | runs | p50 ms | p99 ms | SQL p50 ms | SQL p99 ms "
        "| SQL p99 < 20 ms | top / replies p50 / p99 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        ok = r["sql_p99"] < TARGET_MS
        verdict = ("yes" if ok else "**no**") if r["kind"] == "page" else "n/a"
        lines.append(
            f"| {r['database']} | {r['shape']} | {r['rows']} | {r['statements']} | {r['runs']} "
            f"| {r['p50']:.2f} | {r['p99']:.2f} | {r['sql_p50']:.2f} | {r['sql_p99']:.2f} "
            f"| {verdict} | {r['parts']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--deep-pages", type=int, default=50)
    parser.add_argument(
        "--only", help="run only the shapes whose name contains one of these (comma-separated)"
    )
    parser.add_argument(
        "--seed-comments", type=int, help="seed a fresh database of this size first"
    )
    parser.add_argument("--keep", action="store_true", help="keep a database seeded here")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    for url in args.database_url:
        if args.seed_comments:
            from bench.seed import seed

            seed(url, args.seed_comments, 1_000, 50_000, 5, fresh=True)
        try:
            results += asyncio.run(bench(url, args.runs, args.warmup, args.deep_pages, args.only))
        finally:
            if args.seed_comments and not args.keep:
                asyncio.run(drop_database(url))
    print("\n## Results (ms at the database, through models.queries.comments)\n")
    print(table(results))


if __name__ == "__main__":
    main()
