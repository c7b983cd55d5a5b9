"""What metrics and tracing cost: the same server with both on and with both off,
side by side in one run.

Run:  .venv/bin/python bench/observability.py [--rounds 3] [--seconds 4] [--connections 16]

Starts two `commentmod serve` processes (linear scorer, SQLite, rate limits off), each
on its own fresh database seeded alike (one article, 40 comments):

- off: no COMMENTMOD_METRICS_* and no OTEL_EXPORTER_OTLP_ENDPOINT (the default);
- on:  COMMENTMOD_METRICS_TOKEN set (every request counted and timed) and tracing on,
  exporting OTLP/HTTP to a local sink that answers 200 (so export costs what it costs
  without a collector's own work on this machine); JSON logs are off in both.

Measures, alternating off and on each round so the machine's other load falls on both
alike: cached public reads (GET of the thread as an anonymous reader: served from the
response cache) and addComment (a distinct user per comment), each for --seconds with
--connections concurrent clients (httpx, in this process). Prints requests/s per
round, the medians and on/off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.http.auth import Identity, Role, issue_token  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

SECRET = "bench-secret-" + "o" * 48
THREAD = (
    "query Thread($slug: String!) { article(slug: $slug) { id title commentCount "
    "comments(first: 20) { edges { node { id body createdAt author { id name } } } } } }"
)
UPSERT = "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }"
ADD = "mutation AddComment($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"


def token(user: str, role: str = "commenter") -> str:
    return issue_token(SECRET, Identity(user, user.title(), Role(role)), 3600)


# An OTLP/HTTP endpoint that takes every export and keeps nothing, in a process of its
# own (in this one it would take the load generator's time in the "on" rounds only).
SINK = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
"""


def start(workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    commentmod = shutil.which("commentmod", path=str(Path(sys.executable).parent))
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        [commentmod or "commentmod", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((workdir / "serve.log").read_text())
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


async def seed(base: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        created = await http.post(
            "/graphql",
            json={
                "query": UPSERT,
                "variables": {"a": {"slug": "story", "title": "A story", "body": "Text."}},
            },
            headers={"Authorization": f"Bearer {token('admin', 'admin')}"},
        )
        article: str = created.json()["data"]["upsertArticle"]["article"]["id"]
        for i in range(40):
            await http.post(
                "/graphql",
                json={
                    "query": ADD,
                    "variables": {"i": {"articleId": article, "body": f"Clear reporting, {i}."}},
                },
                headers={"Authorization": f"Bearer {token(f'seed-{i}')}"},
            )
    return "story", article


def cpu_seconds(pid: int) -> float:
    """The server process's CPU time so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a kept-alive connection: (status, body)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def add_body(article: str, i: int) -> bytes:
    """The JSON body of the i-th civil comment posted to `article`."""
    return json.dumps(
        {"query": ADD, "variables": {"i": {"articleId": article, "body": f"Fine piece {i}."}}}
    ).encode()


def add_request(host: str, article: str, n: int, i: int) -> bytes:
    """An addComment as raw HTTP/1.1, by a user of its own (no rate limit, no repeat)."""
    user = f"u-{n}-{i}-{uuid.uuid4().hex[:6]}"
    body = add_body(article, i)
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token(user)}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def load(base: str, seconds: float, connections: int, kind: str, article: str) -> float:
    """Requests per second answered 200 without errors.

    The clients speak HTTP/1.1 over raw sockets (a few microseconds a request), not
    httpx (about a millisecond here): the server, not the load, must be what runs out."""
    done = 0
    stop = time.monotonic() + seconds
    host, port = base.removeprefix("http://").split(":")
    read = (
        "GET /graphql?"
        + urlencode({"query": THREAD, "variables": '{"slug": "story"}'})
        + f" HTTP/1.1\r\nHost: {host}\r\n\r\n"
    ).encode()

    async def client(n: int) -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            i = 0
            while time.monotonic() < stop:
                status, body = await exchange(
                    reader, writer, read if kind == "read" else add_request(host, article, n, i)
                )
                assert status == 200 and b'"errors"' not in body, body[:300]
                done += 1
                i += 1
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(connections)))
    return done / (time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--on",
        choices=("both", "metrics", "tracing", "nothing"),
        default="both",
        help="what 'on' turns on ('nothing': two servers alike, the noise floor)",
    )
    parser.add_argument(
        "--sample",
        type=float,
        default=None,
        help="share of requests traced (default: commentmod's budget a second; 1 traces all)",
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="more for 'on'"
    )
    args = parser.parse_args()

    sink_port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(sink_port)])
    base_env = {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("COMMENTMOD_", "OTEL_")) and "proxy" not in k.lower()
    }
    common = {
        "COMMENTMOD_SCORER": "linear",
        "COMMENTMOD_RATE_LIMITS": "off",
        "COMMENTMOD_JWT_SECRET": SECRET,
        "COMMENTMOD_LOG_LEVEL": "WARNING",
    }
    on: dict[str, str] = {"COMMENTMOD_METRICS_TOKEN": "bench-metrics-token"}
    if args.on in ("both", "tracing"):
        on["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{sink_port}"
    if args.on in ("tracing", "nothing"):
        del on["COMMENTMOD_METRICS_TOKEN"]
    if args.on in ("both", "tracing") and args.sample is not None:
        # The standard OTel sampler settings: a share of traces, whole.
        on["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
        on["OTEL_TRACES_SAMPLER_ARG"] = str(args.sample)
    on.update(setting.split("=", 1) for setting in args.env)
    variants: dict[str, dict[str, str]] = {"off": {}, "on": on}
    servers: dict[str, tuple[subprocess.Popen[bytes], str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-observability-") as tmp:
        try:
            for name, extra in variants.items():
                workdir = Path(tmp) / name
                workdir.mkdir()
                process, base = start(workdir, {**base_env, **common, **extra})
                _slug, article = asyncio.run(seed(base))
                servers[name] = (process, base, article)
            figures: dict[tuple[str, str], list[float]] = {}
            cpu_ms: dict[tuple[str, str], list[float]] = {}
            for kind in ("read", "addComment"):
                for _ in range(args.rounds):
                    for name in ("off", "on"):
                        process, base, article = servers[name]
                        cpu = cpu_seconds(process.pid)
                        rps = asyncio.run(load(base, args.seconds, args.connections, kind, article))
                        cpu = cpu_seconds(process.pid) - cpu
                        figures.setdefault((kind, name), []).append(rps)
                        # The server's own CPU per request: what the work costs, less
                        # swayed by the machine's other load than throughput is.
                        per_request = 1000 * cpu / (rps * args.seconds)
                        cpu_ms.setdefault((kind, name), []).append(per_request)
            if on.get("COMMENTMOD_METRICS_TOKEN"):
                metrics = httpx.get(
                    f"{servers['on'][1]}/metrics",
                    headers={"Authorization": "Bearer bench-metrics-token"},
                ).text
                assert "commentmod_requests_total" in metrics
        finally:
            for process, _base, _article in servers.values():
                process.terminate()
                process.wait(timeout=30)
            sink.terminate()
    print(
        f"\n{args.rounds} rounds x {args.seconds:g} s, {args.connections} connections; "
        f"on = {args.on}, traces sampled: "
        f"{'default' if args.sample is None else f'{args.sample:g}'}\n"
    )
    print(f"{'workload':<22}{'off (req/s)':>28}{'on (req/s)':>28}{'on/off':>10}")
    for kind, label in (("read", "cached public read"), ("addComment", "addComment")):
        off, on = figures[(kind, "off")], figures[(kind, "on")]
        rounds_off = " ".join(f"{x:.0f}" for x in off)
        rounds_on = " ".join(f"{x:.0f}" for x in on)
        ratio = statistics.median(on) / statistics.median(off)
        median_off, median_on = statistics.median(off), statistics.median(on)
        print(
            f"{label:<22}{median_off:>10.0f} ({rounds_off:>15}){median_on:>10.0f}"
            f" ({rounds_on:>15}){ratio:>10.3f}"
        )
    print(f"\n{'server CPU per request':<22}{'off (ms)':>28}{'on (ms)':>28}{'on/off':>10}")
    for kind, label in (("read", "cached public read"), ("addComment", "addComment")):
        off, on = cpu_ms[(kind, "off")], cpu_ms[(kind, "on")]
        median_off, median_on = statistics.median(off), statistics.median(on)
        print(f"{label:<22}{median_off:>28.3f}{median_on:>28.3f}{median_on / median_off:>10.3f}")


if __name__ == "__main__":
    main()
