"""Schemathesis fuzzes every query and mutation of the schema, as every role: whatever
it sends, the answer is never a 5xx, and every error carries a code of the vocabulary.

Schemathesis builds its operations from the schema's introspection (taken from the
schema object, so it works in production mode too) and they go to the in-process app
over HTTP, on the suite's database (SQLite, or PostgreSQL in the second pass).
Bounded and deterministic: a fixed number of examples per role, derandomized
(COMMENTMOD_FUZZ_EXAMPLES and COMMENTMOD_FUZZ_RANDOM go further, as for test_fuzz.py).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from graphql import introspection_from_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.generation import GenerationMode

from api.graphql.schema import schema as app_schema
from tests.api.http.test_fuzz import CODES, check
from tests.support.client import Api

SCHEMA = schemathesis.graphql.from_dict(dict(introspection_from_schema(app_schema._schema)))
CASES = st.one_of(
    SCHEMA.as_strategy(GenerationMode.POSITIVE), SCHEMA.as_strategy(GenerationMode.NEGATIVE)
)
EXAMPLES = int(os.environ.get("COMMENTMOD_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
    derandomize=os.environ.get("COMMENTMOD_FUZZ_RANDOM") is None,
)
ROLES = [None, "commenter", "moderator", "admin"]


def test_schemathesis_sees_every_query_and_mutation() -> None:
    labels = {result.ok().label for result in SCHEMA.get_all_operations()}
    fields = {f"Query.{name}" for name in app_schema._schema.query_type.fields} | {
        f"Mutation.{name}"
        for name in app_schema._schema.mutation_type.fields  # type: ignore[union-attr]
    }
    assert labels == fields
    assert "CONFLICT" in CODES and "INTERNAL_SERVER_ERROR" not in CODES


@pytest.fixture
async def seeded(api: Api) -> Api:
    """Something for the operations to find: an article with a comment and a reply."""
    article = await api.create_article("a-story")
    ann = api.token("ann")
    comment = await api.comment(article["id"], "A first thought.", as_=ann)
    await api.comment(article["id"], "A reply.", as_=ann, parent_id=comment["id"])
    return api


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@FUZZ
@given(case=CASES)
async def test_schemathesis_operations_never_fail_the_server(
    seeded: Api, role: str | None, case: Case
) -> None:
    api = seeded
    request: dict[str, Any] = case.as_transport_kwargs(base_url="http://test")
    headers = {k: v for k, v in request.get("headers", {}).items() if k.lower() == "content-type"}
    if role is not None:
        headers["Authorization"] = f"Bearer {api.token(f'st-{role}', role)}"
    response = await api.http.request(
        request["method"],
        "/graphql",
        headers=headers,
        params=request.get("params") or None,
        json=request.get("json"),
    )
    check(response)
