"""Tracing (the `otel` extra): a comment's way through as spans, into an in-process
exporter: the request, the GraphQL operation, the pipeline, the scorer batch and
each SQL statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.observability import tracing
from api.runtime import Runtime
from tests.support.client import in_process
from tests.support.constants import TOXIC

memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
ADD = "mutation AddOne($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"


@pytest.fixture
def spans() -> Iterator[object]:
    exporter = memory.InMemorySpanExporter()
    tracing.install(exporter)
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
    # A statement's parameters are not recorded, nor the text anywhere.
    for span in finished:
        assert TOXIC not in str(dict(span.attributes or {}))


async def test_tracing_is_off_without_an_endpoint(runtime: Runtime) -> None:
    assert not tracing.wanted() and not tracing.active()
    async with in_process(runtime) as api:
        await api.create_article()
    assert not tracing.active()
