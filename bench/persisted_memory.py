"""Memory of anonymous persisted-query registrations (issue 17, item 2).

Run:  .venv/bin/python bench/persisted_memory.py [--count 1000] [--kib 250] [--concurrency 8]

Starts `commentmod serve` (SQLite, one worker, no Redis) in a temporary folder, then
POSTs --count automatic-persisted-query registrations, each of a different --kib KiB
text that is only a GraphQL comment with its correct sha256Hash, and prints the
server's resident memory (VmRSS) before and after, and the growth. A second round
registers the same number of small valid documents, to show the store bounded by
COMMENTMOD_PERSISTED_QUERIES_MAX_BYTES.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.servers import clean_env, serving

SETTLE = 2.0


def rss_mib(pid: int, settle: float = 0.0) -> float:
    # What the server keeps, not what it is still letting go of: a server that trims
    # its heap after large bodies does so within a second (api/http/allocator.py).
    time.sleep(settle)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def register(base: str, texts: list[str], concurrency: int = 8) -> dict[int, int]:
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def one(text: str) -> None:
            digest = hashlib.sha256(text.encode()).hexdigest()
            body = {
                "query": text,
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
            }
            async with semaphore:
                response = await client.post("/graphql", json=body)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        await asyncio.gather(*(one(t) for t in texts))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--kib", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument(
        "--scorer", default="auto", help="COMMENTMOD_SCORER (linear starts fastest when busy)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = clean_env(
            COMMENTMOD_DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/bench.db",
            COMMENTMOD_SCORER=args.scorer,
        )
        with serving(Path(tmp), env) as server:
            pid = server.process.pid
            # Warm up the paths once, so the first figure is not their import cost.
            asyncio.run(register(server.base, ["# warm-up " + "x" * 1024]))
            before = rss_mib(pid, SETTLE)
            # In rounds: growth that stops (the allocator's high-water mark for bodies
            # in flight) is told apart from growth per registration (a store).
            steps = []
            for start in range(0, 2 * args.count, args.count // 2):
                texts = [
                    f"# {n} " + "x" * (args.kib * 1024)
                    for n in range(start, start + args.count // 2)
                ]
                statuses = asyncio.run(register(server.base, texts, args.concurrency))
                steps.append(f"{start + len(texts)}: +{rss_mib(pid, SETTLE) - before:.1f}")
            after = rss_mib(pid, SETTLE)
            print(
                f"registrations of {args.kib} KiB unparseable text (statuses of the last "
                f"round {statuses}); RSS growth in MiB after " + ", ".join(steps)
            )
            valid = [f"{{ articles(first: 1) {{ totalCount }} }} # {n}" for n in range(args.count)]
            statuses = asyncio.run(register(server.base, valid))
            final = rss_mib(pid, SETTLE)
            print(
                f"{args.count} small valid documents: statuses {statuses}; "
                f"RSS {after:.1f} -> {final:.1f} MiB (+{final - after:.1f} MiB)"
            )


if __name__ == "__main__":
    main()
