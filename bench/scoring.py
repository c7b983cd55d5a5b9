"""Scoring throughput: the raw model against the whole service, side by side in one run.

Run:  .venv/bin/python bench/scoring.py [--batch 16] [--comments N] [--concurrency C]
                                        [--only linear|detoxify] [--model-dir DIR] [--skip-int8]
A full run takes about 8 minutes on 2 shared cores; --model-dir keeps the 420 MB model.

For the bundled linear scorer and for a detoxify-size model (bert-base-uncased's shape:
12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary 30522; RANDOM weights, so the
figures are about speed only), it measures on the same texts:

  a. the raw scorer, one text per call, sequentially;
  b. the raw scorer, B texts per call (measured before and after c, to bracket drift);
  c. a real `commentmod serve` subprocess (temporary SQLite database, COMMENTMOD_SCORER_MAX_BATCH
     = B) taking many concurrent `addComment` mutations over HTTP from distinct users:
     comments/s, p50/p99 latency, and the batches the server formed (from /healthz);
  d. c / b: the target is >= 0.85 for the detoxify-size model;

  d'. the same comparison in CPU time: raw CPU per comment over (server + client) CPU per
      comment, from /proc; far less sensitive than d to other processes on a shared machine
      (the "other processes' CPU" row says how much of the machine they took meanwhile);

and, unless --skip-int8, DetoxifyScorer(quantize="int8") against fp32 at B texts per call
(interleaved batch by batch): speed-up and the largest absolute score difference over all
texts and labels (random weights: the difference says little about real weights).

The raw measurements run while no server is running: the server and this client share the
machine's cores. The end-to-end figure includes HTTP, GraphQL, SQLite writes and language
detection on purpose. --rounds repeats c, each round bracketed by raw runs. --trace-server
times the steps of addComment inside the server, --profile-server adds a cProfile of its event
loop, --serialize-writes a what-if with one db.write() at a time (bench/_server_trace.py).
Never run by CI; prints one markdown table.

Run:  .venv/bin/python bench/scoring.py --only detoxify --batch 32 --rounds 2 --trace-server
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import pstats
import random
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from api.http.auth import Identity, Role, issue_token  # noqa: E402
from moderation.language import detect  # noqa: E402
from moderation.scorers.base import Scorer  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

JWT_SECRET = "bench-secret-" + "x" * 64
VOCAB_SIZE = 30522
# Detoxify "original" keeps Jigsaw's raw class names; the scorer renames them at load time.
ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
LINEAR_COMMENTS = 3000

# Words of news comments. Each is one token in the benchmark vocabulary, so a text's token
# count is its words plus punctuation plus [CLS] and [SEP].
_WORDS = """
    the a an and or but if then so because when while of to in on at by for with from about as
    into over after before between through without you your he she it we they them his her its
    our their this that these those who which what where why how is are was were be been have
    has had do does did will would can could should may might must not no yes very really just
    only also even still again never always often here there now today yesterday tomorrow
    think thought know knew say said agree disagree believe hope want need like see read wrote
    people council city town mayor minister government police court judge school teacher
    parents children hospital doctor nurse road bridge traffic bus train station housing rent
    price prices tax taxes budget money jobs work workers business shop market plan plans
    project report article story news paper editor reporter writer reader readers comment
    comments point fact facts idea reason problem problems issue question answer decision
    vote election party policy law rules local national community residents neighbours
    street park river water weather rain summer winter year years week month time day night
    good bad great better worse best worst right wrong fair unfair true false clear simple
    important serious real new old long short big small high low free expensive cheap safe
    open closed finally already enough more less most many much few every each other same
    thanks please sorry well actually probably clearly certainly maybe perhaps seriously
    team game match season fans stadium player coach win lost goal league cup
    build built fix fixed pay paid spend spent cut cuts close closed open opened wait waited
    years ago last next first second third three four five ten hundred thousand million
    stupid idiot idiots ridiculous disgrace shameful useless lazy corrupt liars nonsense
"""
WORDS: tuple[str, ...] = tuple(dict.fromkeys(_WORDS.split()))
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_PUNCTUATION = list(".,!?;:'\"()-")


# ----------------------------------------------------------------------------- texts


def make_texts(count: int, seed: int) -> list[str]:
    """News-comment-like texts of about 48 tokens: 1-4 sentences from WORDS."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        # Words + punctuation + 2 specials ~ target tokens; mean about 48.
        target = rng.randint(36, 61)
        sentences: list[str] = []
        used = 2
        while used < target:
            length = min(rng.randint(5, 16), max(3, target - used - 1))
            words = [rng.choice(WORDS) for _ in range(length)]
            if length > 8 and rng.random() < 0.5:
                words[rng.randint(2, length - 3)] += ","
                used += 1
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".....!?"))
            used += length + 1
        texts.append(" ".join(sentences))
    return texts


# ----------------------------------------------------------------------------- model


def build_bert_base(directory: Path, *, seed: int = 0) -> tuple[Path, Path]:
    """A randomly initialised bert-base-uncased-shaped detoxify "original" checkpoint.

    Saved exactly like detoxify's release checkpoints (and tests/support/tiny_detoxify.py):
    ``torch.save({"config": <training config>, "state_dict": ...})`` next to a Hugging Face
    config/tokenizer directory, here with a 30522-entry vocabulary. Reused when present.
    """
    import torch
    import transformers

    config_dir = directory / "hf-config"
    checkpoint_path = directory / "bert-base-original.ckpt"
    vocab_file = config_dir / "vocab.txt"
    if (
        checkpoint_path.is_file()
        and (config_dir / "config.json").is_file()
        and vocab_file.is_file()
        and len(vocab_file.read_text(encoding="utf-8").splitlines()) == VOCAB_SIZE
    ):
        return checkpoint_path, config_dir

    config_dir.mkdir(parents=True, exist_ok=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(d) for d in range(10)]
    pieces = [*letters, *digits, *_PUNCTUATION]
    continuations = [f"##{p}" for p in (*letters, *digits)]
    vocab = [*_SPECIALS, *pieces, *continuations, *(w for w in WORDS if w not in pieces)]
    vocab += [f"[unused{i}]" for i in range(VOCAB_SIZE - len(vocab))]
    assert len(vocab) == VOCAB_SIZE
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(vocab=str(vocab_file), do_lower_case=True)
    tokenizer.save_pretrained(str(config_dir))

    config = transformers.BertConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=512,
    )
    config.num_labels = len(ORIGINAL_CLASSES)
    config.save_pretrained(str(config_dir))

    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)
    checkpoint = {
        "config": {
            "name": "bench_bert_base_original",
            "arch": {
                "type": "BERT",
                "args": {
                    "num_classes": len(ORIGINAL_CLASSES),
                    "model_type": "bert-base-uncased",
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                },
            },
            "dataset": {"type": "Bench", "args": {"classes": list(ORIGINAL_CLASSES)}},
        },
        "state_dict": model.state_dict(),
    }
    partial = checkpoint_path.with_suffix(".partial")
    torch.save(checkpoint, partial)
    partial.replace(checkpoint_path)
    return checkpoint_path, config_dir


def token_counts(config_dir: Path, texts: Sequence[str]) -> list[int]:
    import transformers

    tokenizer = transformers.BertTokenizer.from_pretrained(str(config_dir), local_files_only=True)
    encoded = tokenizer(list(texts), truncation=False)
    return [len(ids) for ids in encoded["input_ids"]]


# ----------------------------------------------------------------------------- raw scorer


def call_kind(scorer: Scorer) -> str:
    return "score_sync" if callable(getattr(scorer, "score_sync", None)) else "await score"


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all processes), from
    /proc/stat; nan where there is none."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class RawRun:
    per_second: float
    seconds: float
    scores: list[dict[str, float]]
    # CPU seconds of this whole process (every thread) per text.
    cpu_per_text: float = 0.0
    # Cores' worth of CPU other processes used meanwhile: the noise on a shared machine.
    foreign_cores: float = float("nan")


def paired_throughput(
    first: Scorer, second: Scorer, texts: Sequence[str], batch: int
) -> tuple[RawRun, RawRun]:
    """Two scorers side by side: batch by batch, alternating which goes first, so drift in
    the machine's load falls on both alike. Each needs ``score_sync``."""
    calls = [first.score_sync, second.score_sync]  # type: ignore[attr-defined]
    chunks = [list(texts[start : start + batch]) for start in range(0, len(texts), batch)]
    for call in calls:
        call(chunks[0])
    seconds, cpu = [0.0, 0.0], [0.0, 0.0]
    scores: list[list[dict[str, float]]] = [[], []]
    for n, chunk in enumerate(chunks):
        for i in (0, 1) if n % 2 == 0 else (1, 0):
            c, started = time.process_time(), time.perf_counter()
            scores[i].extend(calls[i](chunk))
            seconds[i] += time.perf_counter() - started
            cpu[i] += time.process_time() - c
    runs = [
        RawRun(len(texts) / seconds[i], seconds[i], scores[i], cpu[i] / len(texts)) for i in (0, 1)
    ]
    return runs[0], runs[1]


def raw_throughput(scorer: Scorer, texts: Sequence[str], batch: int) -> RawRun:
    """Score ``texts`` ``batch`` at a time, one call after another, on this thread when the
    scorer has a synchronous entry point (``score_sync``), else through its async ``score``."""
    chunks = [list(texts[start : start + batch]) for start in range(0, len(texts), batch)]
    sync: Callable[[Sequence[str]], list[dict[str, float]]] | None = getattr(
        scorer, "score_sync", None
    )
    scores: list[dict[str, float]] = []
    if callable(sync):
        sync(chunks[0])  # warm-up: first-call allocations, lazy imports
        busy, cpu, started = machine_busy(), time.process_time(), time.perf_counter()
        for chunk in chunks:
            scores.extend(sync(chunk))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        busy = machine_busy() - busy
    else:

        async def run() -> tuple[float, float, float]:
            await scorer.score(chunks[0])
            busy, cpu, started = machine_busy(), time.process_time(), time.perf_counter()
            for chunk in chunks:
                scores.extend(await scorer.score(chunk))
            seconds = time.perf_counter() - started
            return seconds, time.process_time() - cpu, machine_busy() - busy

        seconds, cpu, busy = asyncio.run(run())
    foreign = (busy - cpu) / seconds
    return RawRun(len(texts) / seconds, seconds, scores, cpu / len(texts), foreign)


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


# ----------------------------------------------------------------------------- report


@dataclass
class ModelResult:
    name: str
    call: str
    sequential: RawRun
    batched: list[RawRun]
    e2e: EndToEnd  # all rounds together
    comments: int
    rounds: list[EndToEnd] = field(default_factory=list)
    int8: RawRun | None = None
    int8_fp32: RawRun | None = None
    int8_max_diff: float | None = None
    e2e_serial: EndToEnd | None = None

    @property
    def batched_per_second(self) -> float:
        return statistics.fmean(run.per_second for run in self.batched)

    def round_ratios(self) -> list[float]:
        """Each round's c over the mean of the raw runs right before and after it."""
        return [
            e.per_second
            / statistics.fmean((self.batched[i].per_second, self.batched[i + 1].per_second))
            for i, e in enumerate(self.rounds)
        ]


def merge(rounds: Sequence[EndToEnd]) -> EndToEnd:
    """Rounds of the end-to-end measurement as one: mean throughput, everything else pooled."""
    first = rounds[0]
    if len(rounds) == 1:
        return first

    def total(key: str) -> int | None:
        values = [getattr(e, key) for e in rounds]
        return None if None in values else sum(values)

    def weighted(key: str) -> float:
        done = sum(len(e.latencies) for e in rounds)
        return sum(float(getattr(e, key)) * len(e.latencies) for e in rounds) / done

    statuses: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for e in rounds:
        for k, v in e.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in (e.sizes or {}).items():
            sizes[k] = sizes.get(k, 0) + v
    largest = [e.largest_batch for e in rounds if e.largest_batch is not None]
    return EndToEnd(
        statistics.fmean(e.per_second for e in rounds),
        sum(e.seconds for e in rounds),
        [x for e in rounds for x in e.latencies],
        statuses,
        requests=total("requests"),
        batches=total("batches"),
        largest_batch=max(largest) if largest else None,
        unavailable=total("unavailable"),
        sizes=sizes if any(e.sizes for e in rounds) else None,
        trace=first.trace,
        errors=[x for e in rounds for x in e.errors],
        cpu_loop=weighted("cpu_loop"),
        cpu_threads=weighted("cpu_threads"),
        cpu_client=weighted("cpu_client"),
        threads=max(e.threads for e in rounds),
        foreign_cores=statistics.fmean(e.foreign_cores for e in rounds),
    )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _max_diff(a: Sequence[dict[str, float]], b: Sequence[dict[str, float]]) -> float:
    return max(abs(x[label] - y[label]) for x, y in zip(a, b, strict=True) for label in x)


def measure_model(
    name: str,
    scorer: Scorer,
    scorer_env: dict[str, str],
    texts: Sequence[str],
    args: argparse.Namespace,
    workdir: Path,
    sequential_texts: int | None = None,
) -> ModelResult:
    batch, concurrency = args.batch, args.concurrency or 2 * args.batch
    call = call_kind(scorer)
    few = texts[: sequential_texts or len(texts)]
    print(f"[{name}] raw sequential on {len(few)} texts ...", flush=True)
    sequential = raw_throughput(scorer, few, 1)
    print(f"[{name}] raw batched (B={batch}) ...", flush=True)
    first = raw_throughput(scorer, texts, batch)
    batched, rounds = [first], []
    for round_ in range(1, args.rounds + 1):
        print(
            f"[{name}] end to end (round {round_}/{args.rounds}): {len(texts)} addComment, "
            f"concurrency {concurrency} ...",
            flush=True,
        )
        rounds.append(
            end_to_end(
                scorer_env,
                texts,
                batch=batch,
                concurrency=concurrency,
                timeout=args.scorer_timeout,
                workdir=workdir,
                profile=False,
                trace=args.trace_server,
            )
        )
        print(f"[{name}] raw batched again (after the server) ...", flush=True)
        batched.append(raw_throughput(scorer, texts, batch))
    result = ModelResult(name, call, sequential, batched, merge(rounds), len(texts), rounds)
    if args.serialize_writes:
        print(f"[{name}] what-if: end to end with db.write() serialised ...", flush=True)
        result.e2e_serial = end_to_end(
            scorer_env,
            texts,
            batch=batch,
            concurrency=concurrency,
            timeout=args.scorer_timeout,
            workdir=workdir,
            profile=False,
            trace=True,
            serialize_writes=True,
        )
    if args.profile_server:
        print(f"[{name}] end to end again, under cProfile ...", flush=True)
        profiled = end_to_end(
            scorer_env,
            texts,
            batch=batch,
            concurrency=concurrency,
            timeout=args.scorer_timeout,
            workdir=workdir,
            profile=True,
            trace=True,
        )
        result.e2e.profile = profiled.profile
    return result


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def print_table(results: list[ModelResult], header: str, batch: int) -> None:
    names = [r.name for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, cell: Callable[[ModelResult], str]) -> None:
        rows.append((label, [cell(r) for r in results]))

    row("comments (texts)", lambda r: str(r.comments))
    row("raw call", lambda r: r.call)
    row(
        "a. raw sequential, comments/s",
        lambda r: f"{_fmt(r.sequential.per_second)} ({len(r.sequential.scores)} texts)",
    )
    row(
        f"b. raw batched B={batch}, comments/s (runs: before c / after each c)",
        lambda r: (
            f"**{_fmt(r.batched_per_second)}** "
            f"({' / '.join(_fmt(b.per_second) for b in r.batched)})"
        ),
    )
    row(
        "b / a (batching gain)",
        lambda r: _fmt(r.batched_per_second / r.sequential.per_second, ".2f"),
    )
    row(
        "c. end-to-end addComment, comments/s",
        lambda r: (
            f"**{_fmt(r.e2e.per_second)}**"
            + (
                f" ({' / '.join(_fmt(e.per_second) for e in r.rounds)})"
                if len(r.rounds) > 1
                else ""
            )
        ),
    )
    row(
        "c. latency p50 / p99, ms",
        lambda r: (
            f"{_fmt(1000 * _percentile(r.e2e.latencies, 0.5), '.0f')} / "
            f"{_fmt(1000 * _percentile(r.e2e.latencies, 0.99), '.0f')}"
        ),
    )

    def batches(r: ModelResult) -> str:
        e = r.e2e
        if not e.batches or e.requests is None:
            return "unavailable"
        text = f"{e.batches} batches, mean {e.requests / e.batches:.1f}, largest {e.largest_batch}"
        if e.sizes:
            text += " (" + ", ".join(f"{k}x{v}" for k, v in sorted(e.sizes.items())) + ")"
        return text

    row("c. server batches (from /healthz)", batches)
    row("c. texts scored by the server", lambda r: str(r.e2e.requests))
    row("c. held SCORER_UNAVAILABLE", lambda r: str(r.e2e.unavailable))
    row(
        "c. statuses",
        lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.e2e.statuses.items())) or "-",
    )
    row("c. GraphQL errors", lambda r: str(len(r.e2e.errors)))

    def cpu(r: ModelResult) -> str:
        e = r.e2e
        raw = 1000 * statistics.fmean(b.cpu_per_text for b in r.batched)
        server = 1000 * (e.cpu_loop + e.cpu_threads)
        return (
            f"raw b {raw:.1f}; server {server:.1f} = event loop {1000 * e.cpu_loop:.1f} "
            f"+ other threads {1000 * e.cpu_threads:.1f} ({e.threads} threads); "
            f"client {1000 * e.cpu_client:.1f}"
        )

    row("CPU ms per comment (user+sys)", cpu)

    def noise(r: ModelResult) -> str:
        raw = " / ".join(_fmt(b.foreign_cores, ".2f") for b in r.batched)
        e2e = " / ".join(_fmt(e.foreign_cores, ".2f") for e in r.rounds)
        return f"during b: {raw}; during c: {e2e}"

    row(f"other processes' CPU, cores of {os.cpu_count()} (noise)", noise)

    def ratio(r: ModelResult) -> str:
        value = r.e2e.per_second / r.batched_per_second
        verdict = ""
        if r.name.startswith("detoxify"):
            verdict = " (target >= 0.85: " + ("met" if value >= 0.85 else "NOT met") + ")"
        if len(r.rounds) > 1:
            verdict += "; per round, vs the raw runs around it: " + ", ".join(
                f"{x:.2f}" for x in r.round_ratios()
            )
        return f"**{value:.2f}**{verdict}"

    row("d. c / b", ratio)

    def cpu_ratio(r: ModelResult) -> str:
        raw = statistics.fmean(b.cpu_per_text for b in r.batched)
        e = r.e2e
        return f"{raw / (e.cpu_loop + e.cpu_threads + e.cpu_client):.2f}"

    row("d'. CPU per comment: raw b / (server + client)", cpu_ratio)
    if any(r.int8 is not None for r in results):
        row(
            f"int8: fp32 / int8 batched B={batch}, comments/s (interleaved batch by batch)",
            lambda r: (
                "n/a"
                if r.int8 is None or r.int8_fp32 is None
                else f"{_fmt(r.int8_fp32.per_second)} / {_fmt(r.int8.per_second)}"
            ),
        )
        row(
            "int8: speed-up vs fp32",
            lambda r: (
                "n/a"
                if r.int8 is None or r.int8_fp32 is None
                else f"**{r.int8.per_second / r.int8_fp32.per_second:.2f}x**"
            ),
        )
        row(
            "int8: max abs score diff vs fp32 (all texts, labels)",
            lambda r: _fmt(r.int8_max_diff, ".4f"),
        )

    if any(r.e2e_serial is not None for r in results):

        def serial(r: ModelResult) -> str:
            e = r.e2e_serial
            if e is None:
                return "n/a"
            return (
                f"{_fmt(e.per_second)}/s ({e.per_second / r.batched_per_second:.2f} of b), "
                f"p50 {1000 * _percentile(e.latencies, 0.5):.0f} ms, "
                f"p99 {1000 * _percentile(e.latencies, 0.99):.0f} ms, "
                f"{len(e.errors)} errors"
            )

        row("what-if c, db.write() serialised", serial)

    print()
    print(header)
    print()
    print("| measurement | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, cells in rows:
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()


TRACE_STEPS = (
    ("add_comment", "addComment service call, whole"),
    ("db_read_enter", "  db.read(): open session"),
    ("db_read_body", "  db.read(): article + settings queries"),
    ("judge", "  judge(): policy + pipeline"),
    ("policy", "    policy (PolicyCache)"),
    ("detect", "    language detection (event loop)"),
    ("score_wait", "    waiting for the score: batcher queue + batch"),
    ("write_lock_wait", "  what-if: in-process write lock wait"),
    ("write_enter", "  db.write(): enter (Database's own write lock, if any, + session)"),
    ("write_body", "  db.write(): statements, incl. checkout + BEGIN IMMEDIATE wait"),
    ("write_commit", "  db.write(): flush + COMMIT"),
    ("batch_score", "scorer.score() per batch (worker thread)"),
    ("loop_lag", "event-loop lag per 10 ms sleep"),
)


def print_trace(name: str, e2e: EndToEnd) -> None:
    assert e2e.trace is not None
    totals, counts, maxima = (e2e.trace[k] for k in ("totals", "counts", "maxima"))
    comments, wall = len(e2e.latencies), e2e.seconds
    print(f"### where the time goes: {name}, {comments} comments in {wall:.1f}s\n")
    print("| step | calls | mean ms per call | max ms | sum s | sum / wall |")
    print("|---|---|---|---|---|---|")
    for key, label in TRACE_STEPS:
        if key not in counts:
            continue
        total, count = float(totals[key]), int(counts[key])
        print(
            f"| {label} | {count} | {1000 * total / count:.1f} | {1000 * maxima[key]:.0f} | "
            f"{total:.1f} | {total / wall:.2f} |"
        )
    print()


# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--batch", type=int, default=16, help="B: batch size (default 16)")
    parser.add_argument(
        "--comments",
        type=int,
        help=f"texts/comments per model (default: 10 x B for detoxify, {LINEAR_COMMENTS} linear)",
    )
    parser.add_argument("--concurrency", type=int, help="concurrent clients (default 2 x B)")
    parser.add_argument("--only", choices=["linear", "detoxify"])
    parser.add_argument("--model-dir", type=Path, help="cache directory for the bert-base model")
    parser.add_argument("--skip-int8", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="end-to-end rounds, each followed by another raw batched run (default 1)",
    )
    parser.add_argument(
        "--sequential",
        type=int,
        default=48,
        help="texts for the detoxify model's one-at-a-time measurement (default 48; "
        "linear uses all)",
    )
    parser.add_argument(
        "--serialize-writes",
        action="store_true",
        help="what-if: run the end-to-end measurement again with the server's db.write() "
        "behind one asyncio.Lock (patched from outside, see bench/_server_trace.py)",
    )
    parser.add_argument(
        "--scorer-timeout",
        type=float,
        default=600.0,
        help="COMMENTMOD_SCORER_TIMEOUT for the server (default 600 s: the service's 2 s "
        "would hold queued comments unscored on a slow CPU, inflating throughput)",
    )
    parser.add_argument(
        "--profile-server",
        action="store_true",
        help="run end to end once more with cProfile on the server's event-loop thread "
        "during the timed part, and print where its CPU time goes (figures of that run are "
        "not reported: profiling slows the loop)",
    )
    parser.add_argument(
        "--trace-server",
        action="store_true",
        help="time the steps of addComment inside the server (bench/_server_trace.py) and "
        "print where the end-to-end time goes",
    )
    args = parser.parse_args(argv)
    if min(args.batch, args.rounds, args.concurrency or 1) < 1:
        parser.error("--batch, --concurrency and --rounds must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    import torch

    batch = args.batch
    detox_count = args.comments or 10 * batch
    linear_count = 0 if args.only == "detoxify" else args.comments or LINEAR_COMMENTS
    texts = make_texts(max(detox_count, linear_count), args.seed)
    english = sum(detect(t).language == "en" for t in texts)

    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scoring-")))
        model_dir = args.model_dir or workdir / "model"
        model_dir.mkdir(parents=True, exist_ok=True)
        print(f"building/reusing the bert-base-size model in {model_dir} ...", flush=True)
        started = time.perf_counter()
        checkpoint, config_dir = build_bert_base(model_dir)
        print(f"  ready in {time.perf_counter() - started:.1f}s", flush=True)
        counts = token_counts(config_dir, texts[:detox_count])
        mean_tokens = statistics.fmean(counts)
        results: list[ModelResult] = []

        if args.only in (None, "linear"):
            from moderation.scorers.linear import LinearScorer

            results.append(
                measure_model(
                    "linear",
                    LinearScorer(),
                    {"COMMENTMOD_SCORER": "linear"},
                    texts[:linear_count],
                    args,
                    workdir,
                )
            )

        if args.only in (None, "detoxify"):
            from moderation.scorers.detoxify import DetoxifyScorer

            print("[detoxify] loading fp32 ...", flush=True)
            fp32 = DetoxifyScorer("original", checkpoint=checkpoint, config_dir=config_dir)
            detox_texts = texts[:detox_count]
            env = {
                "COMMENTMOD_SCORER": "detoxify:original",
                "COMMENTMOD_DETOXIFY_CHECKPOINT": str(checkpoint),
                "COMMENTMOD_DETOXIFY_CONFIG_DIR": str(config_dir),
            }
            result = measure_model(
                "detoxify:original (bert-base size, random)",
                fp32,
                env,
                detox_texts,
                args,
                workdir,
                sequential_texts=args.sequential,
            )
            if not args.skip_int8:
                print("[detoxify] int8, batched ...", flush=True)
                int8 = DetoxifyScorer(
                    "original", checkpoint=checkpoint, config_dir=config_dir, quantize="int8"
                )
                result.int8_fp32, result.int8 = paired_throughput(fp32, int8, detox_texts, batch)
                result.int8_max_diff = _max_diff(result.int8_fp32.scores, result.int8.scores)
            results.append(result)

    command = shlex.join([Path(sys.executable).name, *sys.argv])
    header = (
        f"`{command}` | torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs | B={batch}, concurrency {args.concurrency or 2 * batch} | "
        f"{len(texts)} texts generated ({english} detected as en), "
        f"mean {mean_tokens:.1f} tokens (min {min(counts)}, max {max(counts)}) for the detoxify "
        f"tokenizer over the first {detox_count}"
    )
    print_table(results, header, batch)
    for r in results:
        if r.rounds and r.rounds[0].trace:
            print_trace(f"{r.name}, round 1", r.rounds[0])
        if r.e2e_serial is not None and r.e2e_serial.trace:
            print_trace(f"{r.name}, db.write() serialised", r.e2e_serial)
    for r in results:
        if r.e2e.profile:
            print(f"### server profile ({r.name}), event-loop thread\n\n```\n{r.e2e.profile}```")


if __name__ == "__main__":
    main()
