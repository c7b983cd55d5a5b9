"""/metrics: Prometheus figures an SRE scrapes, behind a token or on their own port,
summed over `serve --workers N`."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.http.auth import Identity, Role, issue_token
from api.runtime import Runtime
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api, in_process, make_settings
from tests.support.constants import CLEAN, REDIS_URL, TOXIC, needs_redis
from tests.support.servers import clean_env, free_port, serving

TOKEN = "scrape-me-" + uuid.uuid4().hex
ADD = "mutation AddOne($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
READ = "query Thread($s: String!) { article(slug: $s) { comments(first: 5) { edges { node { id } } } } }"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named so whose labels include these."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples(text).items() if n == name and wanted <= ls)


@pytest.fixture
def runtime(database_url: str, linear_scorer: LoadedScorer) -> Runtime:
    return Runtime(make_settings(database_url, metrics_token=TOKEN), scorer=linear_scorer)


async def scrape(api: Api) -> str:
    response = await api.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_operations_decisions_batches_and_cache(api: Api) -> None:
    before = await scrape(api)
    article = await api.create_article(slug="metrics-story")
    for body in (CLEAN, TOXIC):
        await api.data(ADD, {"i": {"articleId": article["id"], "body": body}}, as_=api.token("ann"))
    for _ in range(3):
        await api.http.post("/graphql", json={"query": READ, "variables": {"s": "metrics-story"}})
    after = await scrape(api)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("commentmod_requests_total", operation="AddOne", status="200") == 2
    assert grew("commentmod_requests_total", operation="Thread", status="200") == 3
    assert grew("commentmod_request_duration_seconds_count", operation="Thread") == 3
    assert grew("commentmod_comment_decisions_total", status="APPROVED", reason="NONE") == 1
    assert grew("commentmod_comment_decisions_total", status="PENDING", reason="TOXICITY") == 1
    assert grew("commentmod_scorer_batch_size_count", scorer="linear") >= 1
    assert grew("commentmod_scorer_queue_wait_seconds_count", scorer="linear") >= 2
    assert grew("commentmod_scorer_inference_seconds_count", scorer="linear") >= 1
    assert grew("commentmod_response_cache_events_total", event="hits") >= 2
    assert grew("commentmod_response_cache_events_total", event="misses") >= 1
    assert grew("commentmod_response_cache_events_total", event="invalidations") >= 1
    assert value(after, "commentmod_db_pool_capacity", engine="read") >= 1
    assert value(after, "commentmod_db_connections_in_use") >= 0
    # Nothing of the comments' text and no token reaches the exposition.
    assert TOXIC not in after and TOKEN not in after


async def test_connections_in_use_are_what_is_checked_out_when_scraped(
    database_url: str, linear_scorer: LoadedScorer
) -> None:
    # No webhook worker: its polls would check a connection out now and then.
    settings = make_settings(database_url, metrics_token=TOKEN, webhooks="off")
    async with in_process(Runtime(settings, scorer=linear_scorer)) as api:
        await api.create_article(slug="pool-story")

        async def in_use() -> float:
            return value(await scrape(api), "commentmod_db_connections_in_use", engine="read")

        assert await in_use() == 0
        async with api.runtime.db.engine.connect():
            assert await in_use() == 1
        assert await in_use() == 0


async def test_operation_names_are_bounded_labels(api: Api) -> None:
    weird = "x" * 100
    await api.http.post("/graphql", json={"query": f"query {weird} {{ __typename }}"})
    text = await scrape(api)
    assert weird not in text
    assert value(text, "commentmod_requests_total", operation="other") >= 1


async def test_metrics_are_not_public(
    api: Api, database_url: str, linear_scorer: LoadedScorer
) -> None:
    for header in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = await api.http.get("/metrics", headers=header)
        assert refused.status_code == 401
    plain = Runtime(make_settings(database_url), scorer=linear_scorer)
    async with in_process(plain) as other:
        assert (await other.http.get("/metrics")).status_code == 404


async def test_cors_preflights_are_not_counted(
    database_url: str, linear_scorer: LoadedScorer
) -> None:
    """The request-context layer counts what CORSMiddleware (inside it) passes on, not
    the preflights it answers itself."""
    settings = make_settings(
        database_url, metrics_token=TOKEN, cors_origins="https://news.example.org"
    )
    async with in_process(Runtime(settings, scorer=linear_scorer)) as api:
        before = await scrape(api)
        origin = {"Origin": "https://news.example.org"}
        answered = await api.http.options(
            "/graphql", headers={**origin, "Access-Control-Request-Method": "POST"}
        )
        assert answered.status_code == 200
        simple = await api.http.post(
            "/graphql", json={"query": "query Crossing { __typename }"}, headers=origin
        )
        assert simple.headers["access-control-allow-origin"] == origin["Origin"]
        after = await scrape(api)
    assert value(after, "commentmod_requests_total", operation="Crossing", status="200") == 1
    for operation in ("graphql.unparsed", "other"):
        grew = value(after, "commentmod_requests_total", operation=operation) - value(
            before, "commentmod_requests_total", operation=operation
        )
        assert grew == 0, operation


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    if REDIS_URL is None:
        pytest.skip("no Redis")
    root = tmp_path_factory.mktemp("metrics-workers")
    port = free_port()
    secret = "s" * 48
    env = clean_env(
        COMMENTMOD_SCORER="linear",
        COMMENTMOD_JWT_SECRET=secret,
        COMMENTMOD_REDIS_URL=REDIS_URL,
        COMMENTMOD_REDIS_PREFIX=f"commentmod-test-{uuid.uuid4().hex}",
        COMMENTMOD_METRICS_PORT=str(port),
    )
    with serving(root, env, "--workers", "2") as server:
        yield server.base, f"http://127.0.0.1:{port}/metrics", secret


@needs_redis
def test_workers_share_one_exposition_on_the_metrics_port(workers: tuple[str, str, str]) -> None:
    base, metrics_url, secret = workers
    admin = issue_token(secret, Identity("admin", "Admin", Role("admin")), 3600)

    def figures() -> str:
        return httpx.get(metrics_url, timeout=5).text

    before = figures()
    with httpx.Client(base_url=base, timeout=10) as http:
        # The main port has no /metrics: the figures live on their own listener.
        assert http.get("/metrics").status_code == 404
        for i in range(20):
            answer: Any = http.post(
                "/graphql",
                json={"query": "query Many { __typename }"},
                headers={"Authorization": f"Bearer {admin}"} if i % 2 else {},
            )
            assert answer.status_code == 200
    deadline = time.monotonic() + 5
    while True:
        after = figures()
        grew = value(after, "commentmod_requests_total", operation="Many") - value(
            before, "commentmod_requests_total", operation="Many"
        )
        if grew == 20 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert grew == 20
    # Both workers wrote figures (each loaded a scorer and answered /healthz at start).
    assert "commentmod_db_pool_capacity" in after


def test_serve_removes_its_metrics_directory(tmp_path: Path) -> None:
    """The multiprocess directory lives as long as `serve`."""
    env = clean_env(COMMENTMOD_SCORER="linear", COMMENTMOD_METRICS_TOKEN=TOKEN)
    with serving(tmp_path, env) as server:
        text = httpx.get(
            f"{server.base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        ).text
        assert "commentmod_requests_total" in text
        pid = server.process.pid
        dirs = [
            p
            for p in Path(tempfile.gettempdir()).glob("commentmod-metrics-*")
            if any(p.glob(f"*_{pid}.db"))
        ]
        assert len(dirs) == 1
    assert not dirs[0].exists()


def test_serve_run_in_a_process_leaves_it_in_single_process_mode(tmp_path: Path) -> None:
    """`serve` switches prometheus-client to files in a directory of its own; when it
    returns (here: it refuses a scorer), the process counts in memory again."""
    import os

    from click.testing import CliRunner

    from api.cli.main import cli
    from api.observability import metrics

    before = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            "--port",
            str(free_port()),
            "--database-url",
            f"sqlite+aiosqlite:///{tmp_path}/x.db",
        ],
        env={"COMMENTMOD_SCORER": "no-such-scorer"},
    )
    assert result.exit_code != 0
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") == before
    # A new labelled child gets an in-memory value (a file in the removed directory
    # would fail here).
    metrics.external_outcome("test", uuid.uuid4().hex)


def test_the_tally_writes_what_observing_each_request_would() -> None:
    """Requests are tallied in the process and written in one go: the counts, the sum and
    every latency bucket come out as if each request had been observed on its own."""
    from prometheus_client import CollectorRegistry, Histogram

    from api.observability import metrics
    from api.observability.exposition import exposition

    operation = f"Tally{uuid.uuid4().hex[:8]}"
    durations = [0.0004, 0.001, 0.001, 0.003, 0.07, 0.07, 0.2, 3.0, 30.0]
    for seconds in durations:
        metrics.request_done(operation, 200, seconds)
    metrics.request_done(operation, 400, 0.002)
    reference = Histogram(
        "reference", "", buckets=metrics.LATENCY._upper_bounds[:-1], registry=CollectorRegistry()
    )
    for seconds in durations:
        reference.observe(seconds)
    text = exposition().decode()  # a scrape writes this process's tally first
    assert value(text, "commentmod_requests_total", operation=operation, status="200") == 9
    assert value(text, "commentmod_requests_total", operation=operation, status="400") == 1
    compared = 0
    for sample in next(iter(reference.collect())).samples:
        suffix = sample.name.removeprefix("reference")
        if suffix == "_created":
            continue
        labels = {"operation": operation, "status": "200", **sample.labels}
        got = value(text, f"commentmod_request_duration_seconds{suffix}", **labels)
        assert got == pytest.approx(sample.value), (suffix, sample.labels)
        compared += 1
    assert compared == len(metrics.LATENCY._upper_bounds) + 2  # the buckets, count, sum


def test_flushes_while_requests_are_tallied_lose_nothing() -> None:
    """The tally adds without a lock: a flush in another thread, meanwhile, writes what
    it finds, and the next one the rest."""
    from api.observability import metrics
    from api.observability.exposition import exposition

    operation = f"Busy{uuid.uuid4().hex[:8]}"
    stop = threading.Event()

    def flushing() -> None:
        while not stop.is_set():
            metrics.TALLY.flush()

    flusher = threading.Thread(target=flushing)
    flusher.start()
    try:
        for n in range(20000):
            metrics.request_done(operation, 200, 0.001 * (n % 3))
    finally:
        stop.set()
        flusher.join()
    text = exposition().decode()
    assert value(text, "commentmod_requests_total", operation=operation, status="200") == 20000
    count = "commentmod_request_duration_seconds_count"
    assert value(text, count, operation=operation, status="200") == 20000
