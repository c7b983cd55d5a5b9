"""The public read path: a viral article's thread, cached, against plain Starlette.

Run:  .venv/bin/python bench/readpath.py [--rounds 3] [--seconds 5] [--connections 32]
          [--redis redis://127.0.0.1:6379/0]

Seeds a fresh SQLite database with one article of 50 comments with 5 replies each
(300 comments), then measures with wrk (`apt-get install wrk`), in one run, GET
requests for the first page of the thread (50 comments and their first 5 replies,
as an automatic persisted query), at 1 and at 2 workers, against:

- plain Starlette (uvicorn, the same options) returning the same bytes from memory;
- `commentmod serve` with the response cache (1 worker: in-process; 2 workers: Redis);
- `commentmod serve` with COMMENTMOD_RESPONSE_CACHE=off (every request executes).

Plain and cached alternate for a few rounds (the machine's other load falls on both
alike). Prints requests/s, p50/p99 latency, cached / plain, and the SQL statements
one execution of the thread query costs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.http.auth import Identity, Role, issue_token  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

SECRET = "bench-secret-" + "r" * 48
THREAD = """query Thread($slug: String!) { article(slug: $slug) { id title commentCount
  comments(first: 50) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id body createdAt author { id name } replyCount
      replies(first: 5) { totalCount edges { node { id body createdAt author { id name } } } }
} } } } }"""
ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
WORDS = [
    "river",
    "bridge",
    "council",
    "repairs",
    "traffic",
    "morning",
    "reporting",
    "clear",
    "budget",
    "ferry",
]


def token(user: str, role: str = "commenter") -> str:
    return issue_token(SECRET, Identity(user, user.title(), Role(role)), 3600)


def sentence(n: int) -> str:
    words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(12)]
    return f"Comment {n}: thanks, the {' '.join(words)} is well explained."


class Servers:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.commentmod = (
            shutil.which("commentmod", path=str(Path(sys.executable).parent)) or "commentmod"
        )

    def start(self, args: list[str], env: dict[str, str] | None = None) -> tuple[Any, str]:
        port = free_port()
        log = (self.workdir / f"server-{port}.log").open("w")
        process = subprocess.Popen(
            [*args, "--port", str(port)],
            cwd=ROOT if args[0] != self.commentmod else self.workdir,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit((self.workdir / f"server-{port}.log").read_text())
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                return process, base
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit(f"server on {port} did not start")

    def commentmod_serve(self, workers: int, **env: str) -> tuple[Any, str]:
        return self.start(
            [self.commentmod, "serve", "--no-migrate", "--workers", str(workers)], env
        )

    def plain(self, workers: int, body: Path) -> tuple[Any, str]:
        uvicorn = str(Path(sys.executable).parent / "uvicorn")
        args = [uvicorn, "bench._plain:app", "--factory", "--workers", str(workers)]
        return self.start([*args, "--log-level", "warning"], {"READPATH_BODY": str(body)})


async def seed(base: str) -> str:
    slug = "viral"
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def gql(query: str, variables: dict[str, Any], as_: str) -> dict[str, Any]:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {as_}"},
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            return body["data"]  # type: ignore[no-any-return]

        created = await gql(
            "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
            {"a": {"slug": slug, "title": "The river bridge reopens", "body": "Text."}},
            token("admin", "admin"),
        )
        article = created["upsertArticle"]["article"]["id"]
        for i in range(50):
            top = await gql(
                ADD, {"i": {"articleId": article, "body": sentence(i)}}, token(f"reader-{i}")
            )
            parent = top["addComment"]["comment"]
            assert parent["status"] == "APPROVED", parent
            await asyncio.gather(
                *(
                    gql(
                        ADD,
                        {
                            "i": {
                                "articleId": article,
                                "body": sentence(1000 + i * 10 + j),
                                "parentId": parent["id"],
                            }
                        },
                        token(f"replier-{i}-{j}"),
                    )
                    for j in range(5)
                )
            )
    return slug


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    run = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(percentile: str) -> float:
        found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert found, out
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert errors is None, out
    return {"rps": rps, "p50": latency("50"), "p99": latency("99")}


def statement_count(database_url: str, slug: str) -> int:
    """SQL statements one execution of the thread query costs (in-process, cache off)."""
    from asgi_lifespan import LifespanManager
    from sqlalchemy import event

    from api.http.app import create_app
    from api.http.config import Config

    async def run() -> int:
        settings = Config(
            database_url=database_url, jwt_secret=SECRET, response_cache="off", scorer="linear"
        )
        app = create_app(settings, migrate=False)
        statements: list[str] = []
        async with LifespanManager(app):
            runtime = app.state.runtime
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
                engine = runtime.db.engine.sync_engine

                def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
                    if not statement.startswith("BEGIN"):
                        statements.append(statement)

                event.listen(engine, "before_cursor_execute", record)
                response = await http.post(
                    "/graphql", json={"query": THREAD, "variables": {"slug": slug}}
                )
                event.remove(engine, "before_cursor_execute", record)
                assert "errors" not in response.json()
        return len(statements)

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk (apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="commentmod-readpath-"))
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
    env.update(
        COMMENTMOD_DATABASE_URL=database_url,
        COMMENTMOD_JWT_SECRET=SECRET,
        COMMENTMOD_SCORER="linear",
        COMMENTMOD_RATE_LIMITS="off",
        COMMENTMOD_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    servers = Servers(workdir, env)
    subprocess.run(
        [servers.commentmod, "db", "upgrade"], env=env, cwd=workdir, check=True, capture_output=True
    )
    process, base = servers.commentmod_serve(1)
    try:
        slug = asyncio.run(seed(base))
        digest = hashlib.sha256(THREAD.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        params = {
            "operationName": "Thread",
            "variables": json.dumps({"slug": slug}),
            "extensions": json.dumps(extensions),
        }
        body = httpx.post(
            f"{base}/graphql",
            json={"query": THREAD, "variables": {"slug": slug}, "extensions": extensions},
        ).content
    finally:
        process.terminate()
        process.wait()
    assert b'"errors"' not in body
    (workdir / "thread.json").write_bytes(body)
    path = "/graphql?" + urlencode(params)
    objects = body.count(b'"body"')

    redis = {
        "COMMENTMOD_REDIS_URL": args.redis,
        "COMMENTMOD_REDIS_PREFIX": f"rp-{uuid.uuid4().hex}",
    }
    plain_body = workdir / "thread.json"
    kinds: list[tuple[str, Any]] = [
        ("plain Starlette, same bytes from memory", lambda w: servers.plain(w, plain_body)),
        (
            "commentmod, cached",
            lambda w: servers.commentmod_serve(w, **(redis if w > 1 else {})),
        ),
        (
            "commentmod, cache off",
            lambda w: servers.commentmod_serve(
                w, COMMENTMOD_RESPONSE_CACHE="off", **(redis if w > 1 else {})
            ),
        ),
    ]
    # name, workers, connections, one figure per round
    results: list[tuple[str, int, int, list[dict[str, float]]]] = []
    for workers in (1, 2):
        started = [(name, *start(workers)) for name, start in kinds]
        try:
            urls = {}
            for name, _process, base in started:
                url = base + path
                # Register the persisted query (Redis shares it between workers), and
                # check that every server answers the same bytes.
                httpx.post(
                    f"{base}/graphql",
                    json={"query": THREAD, "variables": {"slug": slug}, "extensions": extensions},
                )
                assert httpx.get(url).content == body, name
                urls[name] = url
            # Executing takes long enough that many connections only queue.
            connections = {
                name: args.connections if "off" not in name else 4 * workers for name in urls
            }
            figures: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
            for name, url in urls.items():
                wrk(url, 3, connections[name])  # warm up
            # Plain and cached alternate, round after round, so that whatever else the
            # machine does falls on both alike; the slow uncached figure is taken once.
            for _round in range(args.rounds):
                for name, url in urls.items():
                    if "off" not in name:
                        figures[name].append(wrk(url, args.seconds, connections[name]))
            off = next(name for name in urls if "off" in name)
            figures[off].append(wrk(urls[off], args.seconds, connections[off]))
            results += [(name, workers, connections[name], figures[name]) for name in urls]
        finally:
            for _name, process, _base in started:
                process.terminate()
            for _name, process, _base in started:
                process.wait()

    def mean(rounds: list[dict[str, float]], key: str) -> float:
        return statistics.mean(r[key] for r in rounds)

    def median(rounds: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    plain = {w: mean(r, "rps") for name, w, _c, r in results if name.startswith("plain")}
    print(
        f"\nthread: {objects} comments ({len(body):,} bytes), "
        f"{statement_count(database_url, slug)} SQL statements per execution; GET (persisted "
        f"query); wrk -t2, {args.rounds} alternating rounds of {args.seconds}s "
        f"(requests/s: their mean; latency: their median)\n"
    )
    print("| server | workers | connections | requests/s | p50 | p99 | vs plain |")
    print("|---|---|---|---|---|---|---|")
    for name, workers, connections, rounds in results:
        backend = " (Redis)" if workers > 1 and "commentmod" in name else ""
        rps = mean(rounds, "rps")
        print(
            f"| {name}{backend} | {workers} | {connections} | {rps:,.0f} "
            f"| {median(rounds, 'p50'):.2f} ms | {median(rounds, 'p99'):.2f} ms "
            f"| {rps / plain[workers]:.2f} |"
        )


if __name__ == "__main__":
    main()
