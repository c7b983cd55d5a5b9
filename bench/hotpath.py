"""What one cached public read (or one addComment) costs the app, in process: no
sockets, no uvicorn, no load generator, so that a busy machine sways it little.

Run:  .venv/bin/python bench/hotpath.py [off metrics tracing on] [--requests 20000]
      .venv/bin/python bench/hotpath.py --requests 2000 --instructions   # under callgrind
      .venv/bin/python bench/hotpath.py off on --workload addComment [--traced-every 1]

Builds the app as `commentmod serve` would (linear scorer, SQLite in a temporary
directory; "on" sets COMMENTMOD_METRICS_TOKEN and OTEL_EXPORTER_OTLP_ENDPOINT as
bench/observability.py does), seeds one article with 40 comments, then calls the ASGI
app with the scope uvicorn would build for the same GET of the thread, --requests
times, every response a cache hit, each mode in a process of its own. Prints CPU
microseconds a read (swayed by the machine's other load) or, with --instructions, the
instructions a read, counted by callgrind (valgrind) from just before the loop to just
after it: repeatable to a few hundred on a busy machine, and blind to cache misses.
Tracing's draw is made deterministic: --traced-every N traces every Nth request (0:
none), so that a process slowed by callgrind does not trace a larger share than a real
one (1 a second of ~20,000). `--workload addComment` posts comments instead (300 by
default, each by a user of its own, tokens made before the loop): CPU milliseconds a
comment, the process's other threads (the span exporter's) included.
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

from bench.observability import ADD, SECRET, THREAD, UPSERT, add_body, token  # noqa: E402

MODES = ("off", "metrics", "tracing", "on")


def environment(mode: str, workdir: Path) -> None:
    """bench/observability.py's settings for `mode`."""
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
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"  # otlp_sink's, later


class Every:
    """A draw that takes every nth root."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.i = 0
        self.ready = -math.inf  # the request layer asks every time

    def take(self) -> bool:
        self.i += 1
        return self.n > 0 and self.i % self.n == 0


def scope_for(
    path_qs: bytes, method: str = "GET", headers: tuple[tuple[bytes, bytes], ...] = ()
) -> dict[str, Any]:
    path, _, query = path_qs.partition(b"?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path.decode(),
        "raw_path": path,
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
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
                    # None traced: a real draw that never has a token (as a busy
                    # server's, between its traces a second), asked as the layer asks it.
                    n = args.traced_every
                    holder.draw = Every(n) if n else tracing.PerSecond(0)
            layer = getattr(layer, "app", None)
        read = (
            b"/graphql?" + urlencode({"query": THREAD, "variables": '{"slug": "story"}'}).encode()
        )
        statuses: list[int] = []
        answers: list[bytes] = []
        body = [b""]  # what `receive` hands the request now

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body[0], "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            elif message.get("body"):
                answers.append(message["body"])

        # Each comment by a user of its own (no rate limit, no repeat), made beforehand.
        posts = [
            (
                (
                    (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {token(f'h-{i}')}".encode()),
                ),
                add_body(article, i),
            )
            for i in range(args.requests if args.workload == "addComment" else 0)
        ]

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
        if posts:
            for headers, body[0] in posts:
                await app(scope_for(b"/graphql", "POST", headers), receive, send)
        else:
            for _ in range(args.requests):
                await app(scope_for(read), receive, send)
        cpu = time.process_time() - cpu
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        if args.under_callgrind:
            control("off")
        assert statuses == [200] * args.requests
        assert not any(b'"errors"' in answer for answer in answers), answers[:3]
        tracing.uninstall()  # exports what is left while the sink still listens
        if posts:
            print(f"{args.one}: CPU ms an addComment {1e3 * cpu / args.requests:.3f}", flush=True)
        else:
            print(f"{args.one}: CPU us a cached read {1e6 * cpu / args.requests:.2f}", flush=True)


def otlp_sink() -> subprocess.Popen[bytes]:
    """bench/observability.py's OTLP endpoint, in a process of its own, as the exporter's."""
    from bench.observability import SINK
    from tests.support.servers import free_port

    port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)])
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{port}"
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink
        except OSError:
            time.sleep(0.1)


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


def measure(mode: str, args: argparse.Namespace) -> float:
    """One mode in a process of its own (tracing is installed once a process): CPU
    time, or with --instructions instructions, a request."""
    one = [
        sys.executable,
        __file__,
        "--one",
        mode,
        f"--requests={args.requests}",
        f"--traced-every={args.traced_every}",
        f"--workload={args.workload}",
    ]
    if not args.instructions:
        printed = subprocess.run(one, check=True, capture_output=True, text=True).stdout
        return float(printed.split()[-1])
    with tempfile.TemporaryDirectory(prefix="bench-hotpath-cg-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            *one,
            "--under-callgrind",
        ]
        subprocess.run(command, check=True, capture_output=True)
        totals = re.search(r"^totals: (\d+)", out.read_text(), re.M)
        assert totals is not None
        return int(totals[1]) / args.requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "modes",
        nargs="*",
        help="what is on (default: all four; 'on' is metrics and tracing)",
    )
    parser.add_argument("--requests", type=int, help="20000 reads, 300 comments")
    parser.add_argument("--traced-every", type=int, default=0)
    parser.add_argument("--workload", choices=("read", "addComment"), default="read")
    parser.add_argument("--instructions", action="store_true", help="count under callgrind")
    parser.add_argument("--profile", help="write cProfile's figures of the loop here (--one)")
    parser.add_argument(
        "--one", choices=("off", "metrics", "tracing", "on"), help=argparse.SUPPRESS
    )
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.requests is None:
        args.requests = 20000 if args.workload == "read" else 300
    if args.one:
        with tempfile.TemporaryDirectory(prefix="bench-hotpath-") as tmp:
            environment(args.one, Path(tmp))
            sink = None
            if args.one in ("on", "tracing"):
                sink = otlp_sink()
            try:
                asyncio.run(run(args))
            finally:
                if sink is not None:
                    sink.terminate()
        return
    if set(args.modes) - set(MODES):
        parser.error(f"modes: {', '.join(MODES)}")
    unit = "instructions" if args.instructions else "CPU us"
    if args.workload == "addComment" and not args.instructions:
        unit = "CPU ms"
    what = " a cached read" if args.workload == "read" else " an addComment"
    figures: dict[str, float] = {}
    print(f"{'on':<10}{unit + what:>30}{'vs off':>10}")
    for mode in args.modes or MODES:
        figures[mode] = measure(mode, args)
        versus = f"{figures[mode] / figures['off']:.3f}" if "off" in figures else ""
        print(f"{mode:<10}{figures[mode]:>30,.2f}{versus:>10}", flush=True)


if __name__ == "__main__":
    main()
