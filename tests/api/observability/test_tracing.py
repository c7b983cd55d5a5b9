"""Tracing (the `otel` extra): a comment's way through as spans, into an in-process
exporter: the request, the GraphQL operation, the pipeline, the scorer batch and
each SQL statement."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.observability import tracing
from api.observability.middleware import RequestContext
from api.runtime import Runtime
from tests.support.client import in_process
from tests.support.constants import TOXIC
from tests.support.otlp import SpanSink
from tests.support.servers import clean_env, serving

memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
ADD = "mutation AddOne($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"


@pytest.fixture
def spans() -> Iterator[object]:
    exporter = memory.InMemorySpanExporter()
    tracing.install(exporter, draw=None)
    try:
        yield exporter
    finally:
        tracing.uninstall()


async def test_a_comment_is_traced_end_to_end(spans: object, runtime: Runtime) -> None:
    async with in_process(runtime) as api:
        article = await api.create_article()
        spans.clear()  # type: ignore[attr-defined]
        await api.data(
            ADD, {"i": {"articleId": article["id"], "body": TOXIC}}, as_=api.token("ann")
        )
    finished = spans.get_finished_spans()  # type: ignore[attr-defined]
    names = [s.name for s in finished]
    by_name = {s.name: s for s in finished}
    request = next(s for s in finished if s.name.startswith("POST /graphql") and s.parent is None)
    operation = by_name["graphql mutation AddOne"]
    pipeline = by_name["moderation.pipeline"]
    batch = by_name["scorer.batch"]
    statements = [s for s in finished if s.attributes and "db.statement" in s.attributes]
    trace_id = request.context.trace_id
    # One trace from the request down to the pipeline and the SQL.
    assert operation.context.trace_id == trace_id and pipeline.context.trace_id == trace_id
    assert pipeline.parent is not None
    assert any(s.context.trace_id == trace_id for s in statements), names
    assert any("INSERT INTO comments" in s.attributes["db.statement"] for s in statements)
    assert batch.attributes["scorer.batch_size"] >= 1
    assert batch.attributes["scorer.name"] == "linear"
    # The forward pass the comment waited on is in its trace, under the pipeline.
    assert batch.context.trace_id == trace_id
    assert batch.parent is not None and batch.parent.span_id == pipeline.context.span_id
    # A statement's parameters are not recorded, nor the text anywhere.
    for span in finished:
        assert TOXIC not in str(dict(span.attributes or {}))


def test_a_scorer_pass_is_filed_under_the_traced_requests_that_waited_on_it() -> None:
    """One batch, three requests: two traced (the pass goes in the first one's trace,
    linked to the second's), one not; a batch no traced request waited on records
    nothing, and a failed pass is marked as an error."""
    import contextvars

    from opentelemetry import trace

    from moderation.batcher import BatchReport

    exporter = memory.InMemorySpanExporter()
    tracing.install(exporter, draw=None)
    try:
        tracer = trace.get_tracer("test", tracer_provider=tracing._provider)
        submitted: list[contextvars.Context] = []
        for name in ("first", "second"):
            with tracer.start_as_current_span(name):
                submitted.append(contextvars.copy_context())
        untraced = contextvars.copy_context()  # no span current
        exporter.clear()

        def report(*contexts: contextvars.Context, error: str | None = None) -> BatchReport:
            return BatchReport(
                "linear", "1", len(contexts), (0.002,) * len(contexts), 0.01, error, contexts
            )

        tracing.batch_scored(report(untraced, untraced))
        assert exporter.get_finished_spans() == ()
        tracing.batch_scored(report(untraced, *submitted, error="TimeoutError"))
        (batch,) = exporter.get_finished_spans()
        first, second = (c.run(trace.get_current_span).get_span_context() for c in submitted)
        assert batch.name == "scorer.batch" and batch.context.trace_id == first.trace_id
        assert batch.parent is not None and batch.parent.span_id == first.span_id
        assert [link.context.span_id for link in batch.links] == [second.span_id]
        assert batch.attributes["scorer.batch_size"] == 3
        assert batch.status.status_code == trace.StatusCode.ERROR
    finally:
        tracing.uninstall()


async def test_tracing_is_off_without_an_endpoint(runtime: Runtime) -> None:
    assert not tracing.wanted() and not tracing.active()
    async with in_process(runtime) as api:
        await api.create_article()
    assert not tracing.active()


@pytest.mark.parametrize(
    ("sampler", "arg", "drawn"),
    [
        (None, None, "5/s"),
        ("parentbased_traceidratio", "0.25", "0.25"),
        ("parentbased_traceidratio", None, "1"),
        ("parentbased_traceidratio", "7", "1"),
        ("parentbased_traceidratio", "many", "1"),
        ("parentbased_always_on", None, None),
        ("traceidratio", "0.5", None),
    ],
)
def test_the_roots_traced_follow_otels_own_settings(
    monkeypatch: pytest.MonkeyPatch, sampler: str | None, arg: str | None, drawn: str | None
) -> None:
    for name, value in ((tracing.SAMPLER_ENV, sampler), (tracing.SAMPLER_ARG_ENV, arg)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    draw = tracing.draw_from_environment(per_second=5)
    assert (None if draw is None else str(draw)) == drawn


def test_per_second_draws_at_most_its_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    draw = tracing.PerSecond(4)
    assert sum(draw.take() for _ in range(100)) == 4  # a burst of up to the rate
    now[0] += 0.5
    assert sum(draw.take() for _ in range(100)) == 2
    now[0] += 60
    assert sum(draw.take() for _ in range(100)) == 4  # never more than a second's worth


async def test_requests_left_out_record_nothing_and_callers_decide_their_own(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.sdk.trace import Tracer

    # Every span asked for, recorded or not (the sampler decides inside start_span).
    asked: list[str] = []
    start_span = Tracer.start_span

    def counting(self: Tracer, name: str, *args: object, **kwargs: object) -> object:
        asked.append(name)
        return start_span(self, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Tracer, "start_span", counting)
    exporter = memory.InMemorySpanExporter()
    tracing.install(exporter, draw=tracing.PerSecond(0))
    try:
        async with in_process(runtime) as api:
            article = await api.create_article()
            asked.clear()
            await api.data(
                ADD, {"i": {"articleId": article["id"], "body": TOXIC}}, as_=api.token("ann")
            )
            # Not drawn: no request span, and nothing below it (SQL, operation, pipeline).
            assert [s.name for s in exporter.get_finished_spans()] == []
            # Its SQL statements ran with instrumentation suppressed: the SQLAlchemy
            # instrumentation returned before it asked for a span, and the scorer's pass,
            # which no traced request waited on, asked for none either.
            assert asked == []
            trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
            for flags, kept in (("01", True), ("00", False)):
                exporter.clear()
                response = await api.http.post(
                    "/graphql",
                    json={"query": "{ __typename }"},
                    headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-{flags}"},
                )
                assert response.status_code == 200
                finished = exporter.get_finished_spans()
                assert bool(finished) is kept
                assert all(f"{s.context.trace_id:032x}" == trace_id for s in finished)
    finally:
        tracing.uninstall()


async def test_a_request_left_out_runs_suppressed_and_leaves_the_context_as_it_was() -> None:
    from opentelemetry import context
    from opentelemetry.instrumentation.utils import is_instrumentation_enabled

    seen: list[tuple[bool, object]] = []

    async def app(scope: object, receive: object, send: object) -> None:
        seen.append((is_instrumentation_enabled(), context.get_value("mine")))

    async def nothing() -> dict[str, object]:
        return {}

    async def ignore(message: object) -> None:
        return None

    tracing.install(memory.InMemorySpanExporter(), draw=tracing.PerSecond(0))
    try:
        # The request layer, metrics on: what it does for a request left out.
        left_out = RequestContext(app, "secret", counting=True, traced=True)  # type: ignore[arg-type]
        before = context.get_current()
        await left_out({"type": "http", "headers": []}, nothing, ignore)  # type: ignore[arg-type]
        token = context.attach(context.set_value("mine", 1))  # something attached already
        try:
            await left_out({"type": "http", "headers": []}, nothing, ignore)  # type: ignore[arg-type]
            assert context.get_value("mine") == 1 and is_instrumentation_enabled()
        finally:
            context.detach(token)
        assert context.get_current() == before
    finally:
        tracing.uninstall()
    assert seen == [(False, None), (False, 1)]


def test_a_server_traces_at_most_its_rate_and_each_trace_whole(tmp_path: Path) -> None:
    """Through `commentmod serve`, exporting to a real OTLP/HTTP receiver: with
    COMMENTMOD_TRACES_PER_SECOND=1, a burst of 40 requests yields about one request
    trace a second of the burst, each with its operation's span in the same trace."""
    sink = SpanSink().start()
    env = clean_env(
        COMMENTMOD_TRACES_PER_SECOND="1",
        OTEL_EXPORTER_OTLP_ENDPOINT=sink.url,
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    try:
        with serving(tmp_path, env) as server, httpx.Client(base_url=server.base) as http:
            time.sleep(1.2)  # the start-up's health checks drew; the bucket is full again
            sink.spans.clear()
            began = time.monotonic()
            for n in range(40):
                query = f"query Probe{n} {{ __typename }}"
                assert http.post("/graphql", json={"query": query}).status_code == 200
            burst = time.monotonic() - began
            sink.wait_for(lambda spans: any(name.startswith("POST") for name, _ in spans))
            time.sleep(1.0)  # anything more would have come by now (exports every 0.1 s)
        spans = sink.received()
    finally:
        sink.stop()
    requests = {trace for name, trace in spans if name.startswith("POST /graphql")}
    operations = {trace for name, trace in spans if name.startswith("graphql query Probe")}
    assert 1 <= len(requests) <= 1 + math.ceil(burst), (burst, spans)
    assert operations == requests  # whole traces: nothing of a request left out
