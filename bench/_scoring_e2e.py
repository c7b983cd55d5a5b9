"""bench/scoring.py's end-to-end runs: a real `commentmod serve` taking concurrent addComment."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import pstats
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from api.http.auth import Identity, Role, issue_token  # noqa: E402
from bench._scoring_model import (  # noqa: E402
    JWT_SECRET,
)
from bench._scoring_raw import machine_busy  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

# ----------------------------------------------------------------------------- end to end


ADD_COMMENT = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
UPSERT_ARTICLE = "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }"


def _token(user: str, role: Role = Role.COMMENTER) -> str:
    return issue_token(JWT_SECRET, Identity(user_id=user, name=user.title(), role=role), 7200)


def thread_cpu(pid: int) -> tuple[float, float, int]:
    """CPU seconds (user + system) of a process's main thread and of all its other threads,
    and how many threads it has, from /proc; (nan, nan, 0) where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    main = others = 0.0
    count = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            count += 1
            # Fields after the parenthesised command name: utime and stime are 14th and 15th.
            fields = task.joinpath("stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / ticks
            if int(task.name) == pid:
                main += cpu
            else:
                others += cpu
    except OSError:
        return float("nan"), float("nan"), 0
    return main, others, count


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    profile: Path

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def serve(env: dict[str, str], workdir: Path, *, trace: bool) -> Iterator[Server]:
    port = free_port()
    log = workdir / f"serve-{port}.log"
    if trace:
        entry = Path(__file__).with_name("_server_trace.py")
    else:
        entry = workdir / "serve_entry.py"
        entry.write_text("from api.cli.main import main\n\nmain()\n", encoding="utf-8")
    command = [sys.executable, str(entry), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--database-url", env["COMMENTMOD_DATABASE_URL"]]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log, workdir / f"serve-{port}.prof")
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({process.returncode}):\n{server.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{server.log_tail()}")
            time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            # SIGINT: uvicorn shuts down cleanly.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class EndToEnd:
    per_second: float
    seconds: float
    latencies: list[float]
    statuses: dict[str, int]
    requests: int | None = None
    batches: int | None = None
    largest_batch: int | None = None
    unavailable: int | None = None
    sizes: dict[str, int] | None = None
    profile: str | None = None
    trace: dict[str, Any] | None = None
    # CPU seconds per comment during the timed run.
    cpu_loop: float = float("nan")
    cpu_threads: float = float("nan")
    cpu_client: float = float("nan")
    threads: int = 0  # the server's OS threads after the run
    foreign_cores: float = float("nan")  # as RawRun's
    errors: list[str] = field(default_factory=list)


async def _post(client: httpx.AsyncClient, body: bytes, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        content=body,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def _drive(
    server: Server,
    texts: Sequence[str],
    warm_up: int,
    concurrency: int,
    trace: bool,
    profile: bool,
) -> tuple[EndToEnd, dict[str, Any], dict[str, Any]]:
    base_url, pid = server.base_url, server.process.pid
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=600, limits=limits) as client:
        article = {"slug": "bench-story", "title": "A bench story", "body": "Text."}
        created = await _post(
            client,
            json.dumps({"query": UPSERT_ARTICLE, "variables": {"a": article}}).encode(),
            _token("bench-admin", Role.ADMIN),
        )
        article_id = created["data"]["upsertArticle"]["article"]["id"]

        def job(index: int, text: str, phase: str) -> tuple[bytes, str]:
            variables = {"i": {"articleId": article_id, "body": text}}
            body = json.dumps({"query": ADD_COMMENT, "variables": variables}).encode()
            return body, _token(f"bench-{phase}-{index}")

        # Bodies and tokens made up front: the client shares the cores with the server.
        warm_jobs = [job(i, texts[i % len(texts)], "warm") for i in range(warm_up)]
        jobs = [job(i, text, "user") for i, text in enumerate(texts)]
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        errors: list[str] = []

        async def run(todo: list[tuple[bytes, str]], record: bool) -> None:
            queue = iter(todo)

            async def worker() -> None:
                for body, token in queue:
                    started = time.perf_counter()
                    result = await _post(client, body, token)
                    elapsed = time.perf_counter() - started
                    if "errors" in result:
                        errors.append(json.dumps(result["errors"])[:300])
                        continue
                    if record:
                        latencies.append(elapsed)
                        status = result["data"]["addComment"]["comment"]["status"]
                        statuses[status] = statuses.get(status, 0) + 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await run(warm_jobs, record=False)
        before: dict[str, Any] = (await client.get("/healthz")).json()
        if trace:
            query = {"profile": str(server.profile)} if profile else {}
            (await client.post("/_bench/trace", params=query)).raise_for_status()
        loop_cpu, threads_cpu, _ = thread_cpu(pid)
        busy, client_cpu, started = machine_busy(), time.process_time(), time.perf_counter()
        await run(jobs, record=True)
        seconds, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
        loop_after, threads_after, thread_count = thread_cpu(pid)
        busy = machine_busy() - busy
        after: dict[str, Any] = (await client.get("/healthz")).json()
        timings = (await client.get("/_bench/trace")).json() if trace else None
    done = len(latencies)
    result = EndToEnd(done / seconds, seconds, latencies, statuses, errors=errors)
    result.trace = timings
    result.threads = thread_count
    ours = client_cpu + (loop_after - loop_cpu) + (threads_after - threads_cpu)
    result.foreign_cores = (busy - ours) / seconds
    if done:
        result.cpu_loop = (loop_after - loop_cpu) / done
        result.cpu_threads = (threads_after - threads_cpu) / done
        result.cpu_client = client_cpu / done
    return result, before, after


def end_to_end(
    scorer_env: dict[str, str],
    texts: Sequence[str],
    *,
    batch: int,
    concurrency: int,
    timeout: float,
    workdir: Path,
    profile: bool,
    trace: bool,
    serialize_writes: bool = False,
) -> EndToEnd:
    database = workdir / f"bench-{time.monotonic_ns()}.db"
    env = {
        **scorer_env,
        "COMMENTMOD_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "COMMENTMOD_JWT_SECRET": JWT_SECRET,
        "COMMENTMOD_SCORER_MAX_BATCH": str(batch),
        "COMMENTMOD_SCORER_TIMEOUT": str(timeout),
        "COMMENTMOD_ENV": "production",
        # No access log line per request: stderr goes to a file nobody reads during the run.
        "COMMENTMOD_LOG_LEVEL": "WARNING",
        # Throughput, not abuse limits: every client posts from 127.0.0.1.
        "COMMENTMOD_RATE_LIMITS": "off",
    }
    if serialize_writes:
        env["COMMENTMOD_BENCH_SERIALIZE_WRITES"] = "1"
    trace = trace or serialize_writes or profile
    with serve(env, workdir, trace=trace) as server:
        warm_up = min(2 * batch, len(texts))
        result, before, after = asyncio.run(
            _drive(server, texts, warm_up, concurrency, trace, profile)
        )
    if result.errors:
        print(f"warning: {len(result.errors)} GraphQL errors, first: {result.errors[0]}")
        # What the server logged about them (it logs the cause, the client gets a code).
        causes = {
            line.split(": ", 3)[-1].strip()
            for line in server.log.read_text(encoding="utf-8", errors="replace").splitlines()
            if "database unavailable" in line or "Error:" in line
        }
        for cause in sorted(causes)[:5]:
            print(f"  server log: {cause[:300]}")
    stats_before, stats_after = before.get("scorer", {}), after.get("scorer", {})

    def delta(key: str) -> int | None:
        if key in stats_after and key in stats_before:
            return int(stats_after[key]) - int(stats_before[key])
        return None

    result.requests, result.batches = delta("requests"), delta("batches")
    result.unavailable = delta("unavailable")
    if "largestBatch" in stats_after:
        result.largest_batch = int(stats_after["largestBatch"])
    # A size histogram, should /healthz ever report the batcher's BatchStats.sizes.
    for key in ("sizes", "batchSizes"):
        if isinstance(stats_after.get(key), dict):
            now = {str(k): int(v) for k, v in stats_after[key].items()}
            then = {str(k): int(v) for k, v in stats_before.get(key, {}).items()}
            result.sizes = {k: v - then.get(k, 0) for k, v in now.items() if v - then.get(k, 0)}
    if result.sizes is None and result.trace is not None:
        result.sizes = {str(k): int(v) for k, v in result.trace["batch_sizes"].items()}
    if profile and server.profile.is_file():
        out = io.StringIO()
        stats = pstats.Stats(str(server.profile), stream=out)
        out.write(by_package(stats))
        # Cumulative times of coroutines are not meaningful (each resumption is a "call");
        # own time (tottime) is.
        stats.sort_stats("tottime").print_stats(40)
        result.profile = out.getvalue()
    return result


def by_package(stats: pstats.Stats) -> str:
    """Own time (tottime) summed by top-level package: where the event loop's CPU goes."""
    totals: dict[str, float] = {}
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith(str(ROOT)):
            package = "commentmod:" + filename[len(str(ROOT)) + 1 :].split("/", 1)[0]
        elif filename == "~":
            package = f"builtin {function.split(' of ')[0]}"[:60]
        else:
            package = "stdlib:" + Path(filename).stem
        totals[package] = totals.get(package, 0.0) + tottime
    total = sum(totals.values())
    lines = [f"own time by package, {total:.1f}s in all:"]
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:30]:
        lines.append(f"  {seconds:8.2f}s {100 * seconds / total:5.1f}%  {package}")
    return "\n".join(lines) + "\n\n"
