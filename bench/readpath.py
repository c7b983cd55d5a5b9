"""The public read path: a viral article's thread, cached, against plain Starlette.

Run:  .venv/bin/python bench/readpath.py [--seconds 10] [--connections 32]
          [--redis redis://127.0.0.1:6379/0]

Seeds a fresh SQLite database with one article of 50 comments with 5 replies each
(300 comments), then measures with wrk (`apt-get install wrk`), in one run and one
after the other, GET requests for the first page of the thread (50 comments and
their first 5 replies, as an automatic persisted query) against:

- plain Starlette (uvicorn, the same options) returning the same bytes from memory;
- `commentmod serve` with the response cache (1 worker: in-process; 2 workers: Redis);
- `commentmod serve` with COMMENTMOD_RESPONSE_CACHE=off (every request executes).

Prints requests/s, p50/p99 latency, cached / plain, and the SQL statements one
execution of the thread query costs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import socket
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

from api.auth import Identity, Role, issue_token  # noqa: E402

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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

    from api.app import create_app
    from api.settings import Settings

    async def run() -> int:
        settings = Settings(
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
    parser.add_argument("--seconds", type=int, default=10)
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
    runs: list[tuple[str, int, Any]] = [
        (
            "plain Starlette, same bytes from memory",
            1,
            lambda: servers.plain(1, workdir / "thread.json"),
        ),
        ("commentmod, cached (in-process)", 1, lambda: servers.commentmod_serve(1)),
        (
            "commentmod, cache off",
            1,
            lambda: servers.commentmod_serve(1, COMMENTMOD_RESPONSE_CACHE="off"),
        ),
        (
            "plain Starlette, same bytes from memory",
            2,
            lambda: servers.plain(2, workdir / "thread.json"),
        ),
        ("commentmod, cached (Redis)", 2, lambda: servers.commentmod_serve(2, **redis)),
        (
            "commentmod, cache off",
            2,
            lambda: servers.commentmod_serve(2, COMMENTMOD_RESPONSE_CACHE="off", **redis),
        ),
    ]
    results: list[tuple[str, int, int, dict[str, float]]] = []
    for name, workers, start in runs:
        process, base = start()
        try:
            url = base + path
            # Register the persisted query with every worker's store (Redis shares it),
            # and check that the answer is the same bytes.
            registered = httpx.post(
                f"{base}/graphql",
                json={"query": THREAD, "variables": {"slug": slug}, "extensions": extensions},
            )
            assert registered.content == body or "plain" in name, registered.text[:300]
            assert httpx.get(url).content == body
            # Executing takes long enough that many connections only queue.
            connections = args.connections if "off" not in name else 4 * workers
            wrk(url, 3, connections)  # warm up
            results.append((name, workers, connections, wrk(url, args.seconds, connections)))
        finally:
            process.terminate()
            process.wait()

    plain = {workers: r["rps"] for name, workers, _c, r in results if name.startswith("plain")}
    print(
        f"\nthread: {objects} comments ({len(body):,} bytes), "
        f"{statement_count(database_url, slug)} SQL statements per execution; "
        f"wrk -t2 -d{args.seconds}s, GET (persisted query)\n"
    )
    print("| server | workers | connections | requests/s | p50 | p99 | vs plain |")
    print("|---|---|---|---|---|---|---|")
    for name, workers, connections, r in results:
        ratio = r["rps"] / plain[workers]
        print(
            f"| {name} | {workers} | {connections} | {r['rps']:,.0f} | {r['p50']:.2f} ms "
            f"| {r['p99']:.2f} ms | {ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
