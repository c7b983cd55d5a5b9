"""Webhooks under an outage: 1,000 events, the receiving endpoint down for the first half.

Run:  .venv/bin/python bench/webhooks.py [--events 1000] [--database-url URL]

Starts one `commentmod serve` (linear scorer, a fresh SQLite database in a temporary
directory unless --database-url; rate limits off; retries after 0.5 s doubling to at most 5 s,
never giving up)
and a receiving server (tests/support/receiver.py: checks every signature, counts
events by id) that is NOT listening. It registers the receiver for COMMENT_CREATED,
posts the first half of the comments with the endpoint down (connection refused),
starts the receiver, posts the second half, then waits until every event arrived.

Prints, side by side, addComment latency (p50, p95, p99, mean) with the endpoint down
and up, and the delivery count: distinct event ids received, duplicates (the same id
twice: allowed by the protocol, counted), missing, bad signatures, and how long after
the last comment the last event arrived.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.receiver import Receiver  # noqa: E402
from tests.support.servers import clean_env, commentmod, start_server  # noqa: E402

SECRET = "bench-webhook-secret-0123456789"
ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    settings = {
        "COMMENTMOD_SCORER": "linear",
        "COMMENTMOD_WEBHOOK_POLL_INTERVAL": "0.1",
        "COMMENTMOD_WEBHOOK_BACKOFF_BASE": "0.5",
        "COMMENTMOD_WEBHOOK_BACKOFF_MAX": "5",
        # Retrying every few seconds through the outage must not give up on anything.
        "COMMENTMOD_WEBHOOK_MAX_ATTEMPTS": "100",
        "COMMENTMOD_WEBHOOK_TIMEOUT": "2",
        "COMMENTMOD_LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        settings["COMMENTMOD_DATABASE_URL"] = args.database_url
    env = clean_env(**settings)
    receiver = Receiver(SECRET)
    server = start_server(workdir, env, timeout=300)
    try:
        admin = commentmod(
            workdir, env, "token", "--user", "root", "--name", "R", "--role", "admin"
        )
        ann = commentmod(workdir, env, "token", "--user", "ann", "--name", "Ann")
        client = httpx.Client(base_url=server.base, timeout=30)

        def gql(query: str, variables: dict[str, object], token: str) -> dict[str, object]:
            response = client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            body: dict[str, object] = response.json()
            assert "errors" not in body, body
            return body["data"]  # type: ignore[return-value]

        article = gql(
            "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
            {"a": {"slug": "bench", "title": "Bench", "body": "B"}},
            admin,
        )["upsertArticle"]["article"]["id"]  # type: ignore[index]

        def post(n: int) -> float:
            started = time.perf_counter()
            gql(ADD, {"i": {"articleId": article, "body": f"Comment number {n}, on time."}}, ann)
            return (time.perf_counter() - started) * 1000

        for n in range(20):  # warm-up, before the endpoint exists: no events
            post(-n)
        gql(
            "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret } }",
            {"i": {"url": receiver.url, "kinds": ["COMMENT_CREATED"], "secret": SECRET}},
            admin,
        )
        half = args.events // 2
        down = [post(n) for n in range(half)]
        receiver.start()
        up = [post(n) for n in range(half, args.events)]
        last_post = time.monotonic()
        deadline = last_post + args.timeout
        while time.monotonic() < deadline and len(receiver.ids) < args.events:
            time.sleep(0.05)
        drained = time.monotonic() - last_post
        time.sleep(1.0)  # anything sent twice would show up now
    finally:
        server.stop()
        receiver.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"addComment latency, ms ({half} comments each; endpoint down first, then up)")
    print(f"{'endpoint':<10}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}")
    for name, values in (("down", down), ("up", up)):
        print(
            f"{name:<10}{percentile(values, 0.5):8.2f}{percentile(values, 0.95):8.2f}"
            f"{percentile(values, 0.99):8.2f}{statistics.fmean(values):8.2f}"
        )
    print(f"ratio p50 down/up: {percentile(down, 0.5) / percentile(up, 0.5):.2f}")
    expected = args.events
    received = sum(receiver.ids.values())
    print()
    print("deliveries")
    print(f"  events expected          {expected}")
    print(f"  distinct ids received    {len(receiver.ids)}")
    print(f"  duplicates (same id)     {received - len(receiver.ids)}")
    print(f"  missing                  {expected - len(receiver.ids)}")
    print(f"  bad signatures           {len(receiver.bad)}")
    print(f"  all in, after last post  {drained:.1f} s")
    print(f"  database                 {args.database_url or 'sqlite (temporary)'}")
    print(f"  cpus                     {os.cpu_count()}")


if __name__ == "__main__":
    main()
