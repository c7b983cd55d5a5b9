"""Live updates under load: many readers subscribed to one article, one comment a second.

Run:  .venv/bin/python bench/live.py [--subscribers 1000] [--seconds 30] [--redis URL]

Starts one `commentmod serve` process (linear scorer, a fresh SQLite database in a
temporary directory), opens that many WebSocket connections (graphql-transport-ws,
one `commentAdded` subscription each, as many browsers would), then posts one
comment per second over HTTP. For every delivery it records the time from the
moment the mutation was sent to the moment the subscriber had the message.
Prints delivery latency (p50, p99, max), how many deliveries arrived, and the
server's resident memory (RSS) before, with the subscribers connected, and at
its peak. With --redis, the server's events go through Redis pub/sub too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.http.auth import Identity, Role, issue_token  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

SECRET = "bench-secret-" + "z" * 48
SUBSCRIPTION = "subscription($a: ID!) { commentAdded(articleId: $a) { id body author { name } } }"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def token(user: str, role: str = "commenter") -> str:
    return issue_token(SECRET, Identity(user, user.title(), Role(role)), 3600)


class Subscriber:
    def __init__(self, url: str, article: str) -> None:
        self.url = url
        self.article = article
        self.received: dict[int, float] = {}
        self.ready = asyncio.Event()
        self.closed: str | None = None

    async def run(self) -> None:
        try:
            async with websockets.connect(
                self.url,
                subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
                open_timeout=60,
                ping_interval=None,
                max_queue=None,
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                payload = {"query": SUBSCRIPTION, "variables": {"a": self.article}}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                self.ready.set()
                async for raw in ws:
                    now = time.perf_counter()
                    message = json.loads(raw)
                    if message["type"] == "ping":
                        await ws.send('{"type": "pong"}')
                    elif message["type"] == "next":
                        body = message["payload"]["data"]["commentAdded"]["body"]
                        self.received[int(body.rsplit("#", 1)[1])] = now
        except websockets.ConnectionClosed as exc:
            self.closed = f"closed: {exc}"
        except Exception as exc:
            self.closed = repr(exc)
        finally:
            self.ready.set()


async def run(args: argparse.Namespace) -> dict[str, object]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, args.subscribers * 2 + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # the server inherits it

    workdir = Path(tempfile.mkdtemp(prefix="commentmod-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
    env.update(
        COMMENTMOD_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        COMMENTMOD_JWT_SECRET=SECRET,
        COMMENTMOD_SCORER="linear",
        COMMENTMOD_LOG_LEVEL="WARNING",
    )
    if args.redis:
        env["COMMENTMOD_REDIS_URL"] = args.redis
        env["COMMENTMOD_REDIS_PREFIX"] = f"bench-{uuid.uuid4().hex}"
    commentmod = shutil.which("commentmod", path=str(Path(sys.executable).parent)) or "commentmod"
    log = (workdir / "serve.log").open("w")
    server = subprocess.Popen(  # noqa: ASYNC220 (started once, before anything is timed)
        [commentmod, "serve", "--port", str(port)], cwd=workdir, env=env, stdout=log, stderr=log
    )
    subscribers: list[Subscriber] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for _ in range(600):
                if server.poll() is not None:
                    raise SystemExit((workdir / "serve.log").read_text())
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

            async def gql(query: str, variables: dict[str, object], as_: str) -> dict[str, object]:
                response = await http.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {as_}"},
                )
                body = response.json()
                assert "errors" not in body, body
                return body["data"]  # type: ignore[no-any-return]

            data = await gql(
                "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
                {"a": {"slug": "live-bench", "title": "Live bench", "body": "Text."}},
                token("admin", "admin"),
            )
            article = data["upsertArticle"]["article"]["id"]  # type: ignore[index]
            rss_idle = rss_mib(server.pid)

            ws_url = base.replace("http://", "ws://") + "/graphql"
            started = time.perf_counter()
            for batch in range(0, args.subscribers, 100):
                for _ in range(min(100, args.subscribers - batch)):
                    subscriber = Subscriber(ws_url, article)
                    subscribers.append(subscriber)
                    tasks.append(asyncio.create_task(subscriber.run()))
                await asyncio.gather(*(s.ready.wait() for s in subscribers))
            connect_s = time.perf_counter() - started
            await asyncio.sleep(1.0)  # let the last subscriptions register
            failed = [s.closed for s in subscribers if s.closed]
            if failed:
                raise SystemExit(f"{len(failed)} subscribers failed: {failed[:3]}")
            rss_connected = rss_mib(server.pid)

            mutation = (
                "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { status } } }"
            )
            # One comment first, not counted: the first of everything (queries, plans) is slower.
            warm = {"i": {"articleId": article, "body": "Warming up. #-1"}}
            await gql(mutation, warm, token("warmup"))
            await asyncio.sleep(2.0)

            sent: dict[int, float] = {}
            committed: dict[int, float] = {}
            rss_peak = rss_connected
            begin = time.perf_counter()
            for n in range(args.seconds):
                await asyncio.sleep(max(0.0, begin + n - time.perf_counter()))
                sent[n] = time.perf_counter()
                result = await gql(
                    mutation,
                    {"i": {"articleId": article, "body": f"Good point, well made. #{n}"}},
                    token(f"writer{n % 7}"),
                )
                committed[n] = time.perf_counter()
                assert result["addComment"]["comment"]["status"] == "APPROVED"  # type: ignore[index]
                rss_peak = max(rss_peak, rss_mib(server.pid))
            deadline = time.perf_counter() + 10
            expected = args.subscribers * args.seconds
            while time.perf_counter() < deadline:
                if sum(len(s.received) - (-1 in s.received) for s in subscribers) >= expected:
                    break
                await asyncio.sleep(0.1)
            rss_peak = max(rss_peak, rss_mib(server.pid))
            rss_end = rss_mib(server.pid)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)

    latencies = sorted(
        (at - sent[n]) * 1000 for s in subscribers for n, at in s.received.items() if n >= 0
    )
    per_comment = {
        n: sorted((s.received[n] - sent[n]) * 1000 for s in subscribers if n in s.received)
        for n in sent
    }
    worst = sorted(per_comment, key=lambda n: per_comment[n][-1] if per_comment[n] else 0)[-3:]
    mutation_ms = sorted((committed[n] - sent[n]) * 1000 for n in sent)
    delivered = len(latencies)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")

    return {
        "subscribers": args.subscribers,
        "comments": args.seconds,
        "backend": "redis" if args.redis else "memory",
        "delivered": delivered,
        "expected": expected,
        "connect_s": round(connect_s, 2),
        "latency_ms": {
            "p50": round(pct(latencies, 50), 1),
            "p99": round(pct(latencies, 99), 1),
            "max": round(latencies[-1], 1) if latencies else None,
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "mutation_ms_p50": round(pct(mutation_ms, 50), 1),
        # The slowest comments: which one, its first and last delivery (ms after sending).
        "slowest_comments": [
            [n, round(per_comment[n][0], 1), round(per_comment[n][-1], 1)] for n in worst
        ],
        "server_rss_mib": {
            "idle": round(rss_idle, 1),
            "connected": round(rss_connected, 1),
            "peak": round(rss_peak, 1),
            "end": round(rss_end, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=30, help="comments to post, one a second")
    parser.add_argument("--redis", help="a Redis URL: deliver through Redis pub/sub as well")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    lat, rss = result["latency_ms"], result["server_rss_mib"]
    print(
        f"{result['subscribers']} subscribers on one article, {result['comments']} comments "
        f"(one a second), {result['backend']} bus"
    )
    print(f"  delivered      {result['delivered']} of {result['expected']}")
    print(f"  connecting     {result['connect_s']} s for all subscribers")
    print(
        f"  latency        p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms"  # type: ignore[index]
        " (mutation sent -> subscriber has it)"
    )
    print(f"  mutation       p50 {result['mutation_ms_p50']} ms (sent -> response)")
    print(f"  slowest        {result['slowest_comments']} (comment, first, last delivery ms)")
    print(
        f"  server RSS     idle {rss['idle']} MiB, {result['subscribers']} connected "  # type: ignore[index]
        f"{rss['connected']} MiB, peak {rss['peak']} MiB"  # type: ignore[index]
    )


if __name__ == "__main__":
    main()
