"""Load test: many concurrent users posting and reading against one `commentmod serve`.

Run:  .venv/bin/python bench/load.py [--users 200] [--seconds 60] [--post-share 0.3]
                                     [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Starts its own server (fresh SQLite database in a temporary directory, or with
--postgres a fresh database created beside the one named and dropped after; demo
articles, COMMENTMOD_RATE_LIMITS=off, the bundled linear scorer), runs the users
for the given time, prints one table (requests/s, p50/p99 latency, errors by kind),
then checks the database: every comment whose addComment succeeded is stored
exactly once. Exits non-zero when that check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.http.auth import Identity, Role, issue_token
from tests.support.servers import free_port

ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
THREAD = """query($slug: String!) { article(slug: $slug) { commentCount comments(first: 20) {
  totalCount edges { node { id body author { name } replyCount } } } } }"""
ARTICLES = "{ articles(first: 5) { edges { node { id slug } } } }"
WORDS = [
    "bridge",
    "river",
    "council",
    "traffic",
    "evening",
    "opening",
    "cyclists",
    "weekend",
    "delays",
    "repairs",
]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"post": [], "read": []})
    errors: Counter[str] = field(default_factory=Counter)
    # clientMutationId -> comment id, for every addComment that succeeded.
    posted: dict[str, str] = field(default_factory=dict)


async def user(
    index: int,
    base: str,
    token: str,
    articles: list[dict[str, str]],
    deadline: float,
    post_share: float,
    results: Results,
) -> None:
    rng = random.Random(index)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        sequence = 0
        while time.monotonic() < deadline:
            article = rng.choice(articles)
            if rng.random() < post_share:
                sequence += 1
                mutation_id = f"u{index}-{sequence}"
                body = " ".join(rng.choice(WORDS) for _ in range(12)) + f" ({mutation_id})"
                payload = {
                    "articleId": article["id"],
                    "body": body,
                    "clientMutationId": mutation_id,
                }
                kind, request = "post", {"query": ADD, "variables": {"i": payload}}
            else:
                kind, request = "read", {"query": THREAD, "variables": {"slug": article["slug"]}}
            started = time.perf_counter()
            try:
                response = await http.post("/graphql", json=request)
            except httpx.HTTPError as exc:
                results.errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            results.latencies[kind].append(time.perf_counter() - started)
            if response.status_code != 200:
                results.errors[f"{kind}: HTTP {response.status_code}"] += 1
                continue
            data = response.json()
            if data.get("errors"):
                results.errors[f"{kind}: {data['errors'][0]['extensions'].get('code')}"] += 1
            elif kind == "post":
                results.posted[mutation_id] = data["data"]["addComment"]["comment"]["id"]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def verify(url: str, results: Results) -> tuple[int, list[str]]:
    """Every successful addComment's comment is in the database exactly once."""

    async def rows() -> list[tuple[str | None, int]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(
                    text(
                        "SELECT client_mutation_id, count(*) FROM comments"
                        " GROUP BY client_mutation_id"
                    )
                )
                return [(row[0], int(row[1])) for row in result]
        finally:
            await engine.dispose()

    found = asyncio.run(rows())
    stored = dict(found)
    problems = [
        f"{mutation_id}: stored {stored.get(mutation_id, 0)} times"
        for mutation_id in results.posted
        if stored.get(mutation_id, 0) != 1
    ]
    return len(found), problems


def _admin(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE on the server `url` names (outside a transaction)."""

    async def go() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(go())


async def run(args: argparse.Namespace, base: str) -> Results:
    secret = os.environ["COMMENTMOD_JWT_SECRET"]
    async with httpx.AsyncClient(base_url=base) as http:
        listing = (await http.post("/graphql", json={"query": ARTICLES})).json()
    articles = [edge["node"] for edge in listing["data"]["articles"]["edges"]]
    results = Results()
    deadline = time.monotonic() + args.seconds
    tokens = [
        issue_token(secret, Identity(f"load{i}", f"Load {i}", Role.COMMENTER), 3600)
        for i in range(args.users)
    ]
    await asyncio.gather(
        *(
            user(i, base, tokens[i], articles, deadline, args.post_share, results)
            for i in range(args.users)
        )
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--post-share", type=float, default=0.3)
    parser.add_argument("--postgres", help="a PostgreSQL URL; the test uses a fresh database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="commentmod-load-"))
    url = f"sqlite+aiosqlite:///{workdir / 'load.db'}"
    if args.postgres:
        name = f"commentmod_load_{uuid.uuid4().hex[:12]}"
        _admin(args.postgres, f'CREATE DATABASE "{name}"')
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    os.environ["COMMENTMOD_JWT_SECRET"] = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "COMMENTMOD_DATABASE_URL": url,
        "COMMENTMOD_RATE_LIMITS": "off",
        "COMMENTMOD_SCORER": "linear",
        "COMMENTMOD_LOG_LEVEL": "WARNING",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    commentmod = Path(sys.executable).parent / "commentmod"
    log = (workdir / "serve.log").open("w")
    server = subprocess.Popen(
        [str(commentmod), "serve", "--port", str(port), "--demo"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"server did not start; see {workdir / 'serve.log'}")
        started = time.monotonic()
        results = asyncio.run(run(args, base))
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    total = sum(len(v) for v in results.latencies.values()) + sum(results.errors.values())
    dialect = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.users} users, {elapsed:.0f} s, one server process, {dialect}, linear scorer")
    print(f"{'kind':<6} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, values in results.latencies.items():
        print(
            f"{kind:<6} {len(values):>9} {len(values) / elapsed:>8.1f}"
            f" {percentile(values, 0.5) * 1000:>8.1f} {percentile(values, 0.99) * 1000:>8.1f}"
        )
    print(f"{'all':<6} {total:>9} {total / elapsed:>8.1f}")
    print("errors:", dict(results.errors) or "none")
    stored, problems = verify(url, results)
    if args.postgres:
        _admin(args.postgres, f'DROP DATABASE "{make_url(url).database}"')
    print(f"addComment succeeded {len(results.posted)} times; {stored} distinct comments stored")
    if problems:
        print("NOT stored exactly once:", *problems[:20], sep="\n  ")
        raise SystemExit(1)
    print("every successful addComment is stored exactly once")


if __name__ == "__main__":
    main()
