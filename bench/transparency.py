"""The transparency report over a seeded history of decisions (issue 19).

Run:  .venv/bin/python bench/transparency.py [--decisions 100000] [--postgres URL]

Seeds, in a fresh migrated database, --decisions statements of reasons (one comment
each, 60% automated, 70% of those holds), a moderation-history entry per decision
(plus a moderator's approval for a quarter of the automated holds), one notice of
illegal content per 20 decisions (most decided) and one appeal per 25 decisions, over
365 days; then times `transparency.report` for the whole year and for one month
(best of 3 runs each). SQLite always; PostgreSQL when --postgres names a server
(postgresql+asyncpg://user@host/db: a database cm_bench_transparency_<pid> is created
beside it and dropped after). Target: under 5 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlalchemy.engine import make_url

from api.services.transparency import report
from models.database import Database
from models.migrate import upgrade
from models.tables import (
    Appeal,
    Article,
    Comment,
    IllegalContentNotice,
    ModerationAction,
    StatementOfReasons,
    User,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 5000


def rows(decisions: int) -> dict[Any, list[dict[str, Any]]]:
    rng = random.Random(19)
    comments, statements, actions, notices, appeals = [], [], [], [], []
    for i in range(1, decisions + 1):
        at = START + timedelta(seconds=rng.uniform(0, 365 * 86400))
        automated = rng.random() < 0.6
        hold = automated and rng.random() < 0.7
        restriction = "HOLD" if hold else rng.choice(["REJECTION", "REJECTION", "BAN"])
        comments.append(
            {
                "id": i,
                "article_id": 1,
                "author_id": "author",
                "body": "x",
                "status": "PENDING" if hold else "REJECTED",
                "scores": {},
                "reasons": [],
                "created_at": at,
                "updated_at": at,
                "max_score": 0.0,
                "model": "",
            }
        )
        kind, ground = rng.choice([("TERMS", "civility"), ("TERMS", "spam"), ("LAW", "§130")])
        statements.append(
            {
                "id": i,
                "user_id": "author",
                "comment_id": i,
                "restriction": restriction,
                "facts": "seeded",
                "ground_kind": kind,
                "ground": ground,
                "ground_text": "",
                "automated_detection": automated,
                "automated_decision": automated,
                "model": rng.choice(["linear-1", "learned-7"]) if automated else "",
                "triggers": [],
                "decided_by": None if automated else "mo",
                "appeal_until": at + timedelta(days=183),
                "created_at": at,
            }
        )
        actions.append(
            {"comment_id": i, "status": "PENDING" if hold else "REJECTED", "created_at": at}
        )
        if hold and rng.random() < 0.25:
            actions.append(
                {
                    "comment_id": i,
                    "status": "APPROVED",
                    "moderator_id": "mo",
                    "created_at": at + timedelta(hours=2),
                }
            )
        if i % 20 == 0:
            decided = rng.random() < 0.8
            notices.append(
                {
                    "comment_id": i,
                    "law_broken": rng.choice(["defamation", "incitement"]),
                    "explanation": "x",
                    "good_faith": True,
                    "status": "DECIDED" if decided else "RECEIVED",
                    "outcome": "REMOVED" if decided else None,
                    "created_at": at,
                    "decided_at": at + timedelta(minutes=rng.randint(5, 5000)) if decided else None,
                }
            )
        if i % 25 == 0:
            status = rng.choice(["PENDING", "UPHELD", "REVERSED"])
            appeals.append(
                {
                    "statement_id": i,
                    "appellant_id": "author",
                    "explanation": "x",
                    "status": status,
                    "created_at": at + timedelta(days=1),
                    "decided_at": at + timedelta(days=3) if status != "PENDING" else None,
                }
            )
    return {
        Comment: comments,
        StatementOfReasons: statements,
        ModerationAction: actions,
        IllegalContentNotice: notices,
        Appeal: appeals,
    }


async def seed(db: Database, data: dict[Any, list[dict[str, Any]]]) -> None:
    async with db.write() as session:
        for user in ("author", "mo"):
            session.add(User(id=user, name=user, role="commenter"))
        session.add(Article(id=1, slug="bench", title="Bench", body=""))
    for table, values in data.items():
        for start in range(0, len(values), BATCH):
            async with db.write() as session:
                await session.execute(insert(table), values[start : start + BATCH])  # bulk


async def measure(url: str, decisions: int) -> list[tuple[str, float]]:
    db = Database(url)
    try:
        began = time.perf_counter()
        await seed(db, rows(decisions))
        print(f"  seeded {decisions:,} decisions in {time.perf_counter() - began:.1f} s")
        if db.engine.dialect.name == "postgresql":
            async with db.write() as session:
                from sqlalchemy import text

                await session.execute(text("ANALYZE"))
        timings = []
        for label, since, until in (
            ("whole year", START, START + timedelta(days=366)),
            ("one month", START + timedelta(days=31), START + timedelta(days=59)),
        ):
            best = float("inf")
            for _ in range(3):
                began = time.perf_counter()
                figures = await report(db, since, until)
                best = min(best, time.perf_counter() - began)
            timings.append((label, best))
            print(f"  {label}: {best:.3f} s  accuracy={figures['accuracy']}")
        return timings
    finally:
        await db.dispose()


def admin(url: str, statement: str) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("COMMENTMOD_TEST_POSTGRES"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only.")
    args = parser.parse_args()
    results: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_sqlite:
            print("SQLite")
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            upgrade(url)
            timings = asyncio.run(measure(url, args.decisions))
            results += [("SQLite", label, s) for label, s in timings]
    if args.postgres:
        name = f"cm_bench_transparency_{os.getpid()}"
        admin(args.postgres, f'CREATE DATABASE "{name}"')
        try:
            print("PostgreSQL")
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            upgrade(url)
            timings = asyncio.run(measure(url, args.decisions))
            results += [("PostgreSQL", label, s) for label, s in timings]
        finally:
            admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\n{'database':<12}{'period':<12}{'report (best of 3)':>20}")
    for database, label, seconds in results:
        print(f"{database:<12}{label:<12}{seconds:>18.3f} s")


if __name__ == "__main__":
    main()
