"""What one cached public read costs the app, in process: no sockets, no uvicorn, no
load generator, so that a busy machine sways it little.

Run:  .venv/bin/python bench/hotpath.py off|on|metrics|tracing [--requests 20000]
      .venv/bin/python bench/hotpath.py on --requests 2000 --instructions   # under callgrind

Builds the app as `commentmod serve` would (linear scorer, SQLite in a temporary
directory; "on" sets COMMENTMOD_METRICS_TOKEN and OTEL_EXPORTER_OTLP_ENDPOINT as
bench/observability.py does), seeds one article with 40 comments, then calls the ASGI
app with the scope uvicorn would build for the same GET of the thread, --requests
times, every response a cache hit. Prints CPU microseconds a request; with
--instructions the instructions a request, counted by callgrind from just before the
loop to just after it (a few million for callgrind_control itself included). Tracing's draw is made
deterministic: --traced-every N traces every Nth request (0: none), so that a slowed
process does not trace a larger share than a real one (10 a second of ~20,000).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-" + "o" * 48
THREAD = (
    "query Thread($slug: String!) { article(slug: $slug) { id title commentCount "
    "comments(first: 20) { edges { node { id body createdAt author { id name } } } } } }"
)
UPSERT = "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }"
ADD = "mutation AddComment($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"


def environment(mode: str, workdir: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("COMMENTMOD_", "OTEL_")):
            del os.environ[name]
    os.environ.update(
        COMMENTMOD_SCORER="linear",
        COMMENTMOD_RATE_LIMITS="off",
        COMMENTMOD_JWT_SECRET=SECRET,
        COMMENTMOD_LOG_LEVEL="WARNING",
        COMMENTMOD_DATABASE_URL=f"sqlite+aiosqlite:///{workdir}/bench.db",
    )
    if mode in ("on", "metrics"):
        os.environ["COMMENTMOD_METRICS_TOKEN"] = "bench-metrics-token"
    if mode in ("on", "tracing"):
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "set in main()"


class Every:
    """A draw that takes every nth root (never with 0)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.i = 0
        # When tracing.Requests.enter asks: every time, or (none traced) never.
        self.ready = -math.inf if n > 0 else math.inf

    def take(self) -> bool:
        self.i += 1
        return self.n > 0 and self.i % self.n == 0


def scope_for(path_qs: bytes) -> dict[str, Any]:
    path, _, query = path_qs.partition(b"?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": path.decode(),
        "raw_path": path,
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1:8000")],
        "state": {},
    }


async def run(args: argparse.Namespace) -> None:
    import httpx

    from api.http.app import create_app
    from api.http.auth import Identity, Role, issue_token
    from api.http.config import Config
    from api.observability import tracing

    app = create_app(Config(), freeze_heap=True)  # as `serve` does
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            admin = issue_token(SECRET, Identity("admin", "Admin", Role("admin")), 3600)
            created = await http.post(
                "/graphql",
                json={
                    "query": UPSERT,
                    "variables": {"a": {"slug": "story", "title": "A story", "body": "Text."}},
                },
                headers={"Authorization": f"Bearer {admin}"},
            )
            article = created.json()["data"]["upsertArticle"]["article"]["id"]
            for i in range(40):
                user = issue_token(SECRET, Identity(f"s{i}", "S", Role("commenter")), 3600)
                await http.post(
                    "/graphql",
                    json={
                        "query": ADD,
                        "variables": {"i": {"articleId": article, "body": f"Clear, {i}."}},
                    },
                    headers={"Authorization": f"Bearer {user}"},
                )
        # The draw, wherever tracing's layer keeps it.
        layer: Any = app.middleware_stack
        while layer is not None:
            for holder in (layer, getattr(layer, "tracing", None)):
                if getattr(holder, "draw", None) is not None:
                    holder.draw = Every(args.traced_every)
            layer = getattr(layer, "app", None)
        read = (
            b"/graphql?" + urlencode({"query": THREAD, "variables": '{"slug": "story"}'}).encode()
        )
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        for _ in range(200):  # warm: the cache filled, every path taken once
            await app(scope_for(read), receive, send)
        assert set(statuses) == {200}, statuses
        provider = getattr(tracing, "_provider", None)
        if provider is not None:
            provider.force_flush()  # the seed's traces exported now, not during the loop
        statuses.clear()
        if args.under_callgrind:
            control("on")
        profile = None
        if args.profile:
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        cpu = time.process_time()
        for _ in range(args.requests):
            await app(scope_for(read), receive, send)
        cpu = time.process_time() - cpu
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        if args.under_callgrind:
            control("off")
        assert statuses == [200] * args.requests
        tracing.uninstall()  # exports what is left while the sink still listens
        print(f"{args.mode}: {1e6 * cpu / args.requests:.2f} us CPU a cached read", flush=True)


def control(instrumentation: str) -> None:
    """Turn callgrind's counting on or off in this process (it runs instrumentation-off
    until the loop: start-up runs at near native speed)."""
    done = subprocess.run(
        ["callgrind_control", "-i", instrumentation, str(os.getpid())],
        capture_output=True,
        text=True,
    )
    if "OK" not in done.stdout:
        raise SystemExit(f"callgrind_control: {done.stdout}{done.stderr}")


def instructions(args: argparse.Namespace) -> None:
    """This bench again under callgrind: instructions a request."""
    with tempfile.TemporaryDirectory(prefix="bench-hotpath-cg-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            args.mode,
            f"--requests={args.requests}",
            f"--traced-every={args.traced_every}",
            "--under-callgrind",
        ]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
        totals = re.search(r"^totals: (\d+)", out.read_text(), re.M)
        assert totals is not None
        print(f"{args.mode}: {int(totals[1]) / args.requests:,.0f} instructions a cached read")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("off", "on", "metrics", "tracing"))
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--traced-every", type=int, default=0)
    parser.add_argument("--instructions", action="store_true", help="count under callgrind")
    parser.add_argument("--profile", help="write cProfile's figures of the loop here")
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        instructions(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-hotpath-") as tmp:
        environment(args.mode, Path(tmp))
        sink = None
        if args.mode in ("on", "tracing"):
            # An OTLP endpoint that takes every export, in a process of its own.
            from observability import SINK  # bench/observability.py, beside this one

            from tests.support.servers import free_port

            port = free_port()
            sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)])
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(run(args))
        finally:
            if sink is not None:
                sink.terminate()


if __name__ == "__main__":
    main()
