"""What a cached public read (or an addComment) costs a real `commentmod serve`
(uvicorn, httptools, uvloop), in instructions: the server runs under callgrind
(valgrind), counting only while the requests are answered, once with metrics and
tracing off and once with what --on says.

Run:  .venv/bin/python bench/servecalls.py [--on both|metrics|tracing] [--requests 1600]
      [--traces-per-second 0] [--workload read|addComment]

Settings as bench/observability.py's (linear scorer, SQLite, one article with 40
comments, an OTLP sink in a process of its own); 16 connections send the GET of the
thread, every answer a cache hit. Prints instructions a read in the event loop's thread
and in the process's other threads (the metrics flush, the span exporter), whose work
is per second, not per read: callgrind slows the server about fifty times, so theirs
is shown apart and is that much larger here than on a real server. Instruction counts
are repeatable on a busy machine, where throughput is not; they are blind to cache
misses. --traces-per-second 0 leaves every request out of tracing (what nearly every
read is on a busy server); a large one traces every read, for what one traced read
costs. `--workload addComment` posts comments instead (160 by default, a user each, 4
connections: the writes queue for SQLite's one writer either way).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.observability import SECRET, SINK, THREAD, add_request, exchange, seed  # noqa: E402
from tests.support.servers import free_port  # noqa: E402


def count(on: str, requests: int, per_second: str, workload: str) -> tuple[float, float]:
    """(event loop's thread, other threads): instructions a request."""
    with tempfile.TemporaryDirectory(prefix="bench-servecalls-") as tmp:
        sink_port = free_port()
        sink = subprocess.Popen([sys.executable, "-c", SINK, str(sink_port)])
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COMMENTMOD_", "OTEL_")) and "proxy" not in k.lower()
        }
        env.update(
            PYTHONPATH=str(ROOT),
            COMMENTMOD_SCORER="linear",
            COMMENTMOD_RATE_LIMITS="off",
            COMMENTMOD_JWT_SECRET=SECRET,
            COMMENTMOD_LOG_LEVEL="WARNING",
            COMMENTMOD_TRACES_PER_SECOND=per_second,
        )
        if on in ("both", "metrics"):
            env["COMMENTMOD_METRICS_TOKEN"] = "bench-metrics-token"
        if on in ("both", "tracing"):
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{sink_port}"
        port = free_port()
        out = Path(tmp) / "callgrind.out"
        serve = "from api.cli.main import main; main()"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",  # start-up at near native speed
            "--separate-threads=yes",
            f"--callgrind-out-file={out}",
            *(sys.executable, "-c", serve, "serve", "--port", str(port)),
        ]
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen(command, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 600
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((Path(tmp) / "serve.log").read_text()[-3000:])
                time.sleep(1)
            _slug, article = asyncio.run(seed(base))
            warm = 320 if workload == "read" else 20  # the cache filled, the code paths run
            asyncio.run(load(port, warm, workload, article))
            time.sleep(6)  # the seed's spans exported (each 5 s) before counting
            control(server.pid, "on")
            asyncio.run(load(port, requests, workload, article))
            control(server.pid, "off")
        finally:
            server.terminate()
            server.wait(timeout=300)
            sink.terminate()
        per_thread = []
        for part in sorted(Path(tmp).glob("callgrind.out-*")):  # one a thread: -01, -02, ...
            found = re.search(r"^totals: (\d+)", part.read_text(), re.M)
            per_thread.append(int(found[1]) / requests if found else 0.0)
        # Thread 1 is the main one: uvicorn's event loop.
        return per_thread[0], sum(per_thread[1:])


async def load(port: int, requests: int, workload: str, article: str) -> None:
    connections = 16 if workload == "read" else 4
    read = (
        "GET /graphql?"
        + urlencode({"query": THREAD, "variables": '{"slug": "story"}'})
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    ).encode()

    async def client(n: int, count: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in range(count):
                request = read if workload == "read" else add_request("127.0.0.1", article, n, i)
                status, body = await exchange(reader, writer, request)
                assert status == 200 and b'"errors"' not in body, body[:300]
        finally:
            writer.close()

    await asyncio.gather(*(client(n, requests // connections) for n in range(connections)))


def control(pid: int, instrumentation: str) -> None:
    done = subprocess.run(
        ["callgrind_control", "-i", instrumentation, str(pid)], capture_output=True, text=True
    )
    if "OK" not in done.stdout:
        raise SystemExit(f"callgrind_control: {done.stdout}{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--on", choices=("both", "metrics", "tracing"), default="both")
    parser.add_argument("--workload", choices=("read", "addComment"), default="read")
    parser.add_argument(
        "--requests", "--reads", type=int, default=None, help="1600 reads, 160 comments"
    )
    parser.add_argument("--traces-per-second", default="0")
    args = parser.parse_args()
    requests = args.requests or (1600 if args.workload == "read" else 160)
    figures = {
        name: count(name, requests, args.traces_per_second, args.workload)
        for name in ("off", args.on)
    }
    what = "a cached read" if args.workload == "read" else "an addComment"
    print(f"\ninstructions {what} ({requests} requests)\n")
    # A read's work is the event loop's; an addComment's is also in SQLite's thread
    # (aiosqlite) and the scorer's, so its total is what compares.
    print(f"{'':<10}{'event loop':>14}{'other threads':>16}{'loop vs off':>14}{'all vs off':>14}")
    loop_off, others_off = figures["off"]
    for name, (loop, others) in figures.items():
        total = (loop + others) / (loop_off + others_off)
        print(f"{name:<10}{loop:>14,.0f}{others:>16,.0f}{loop / loop_off:>14.3f}{total:>14.3f}")


if __name__ == "__main__":
    main()
