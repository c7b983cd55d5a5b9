"""Property-based fuzzing through HTTP: whatever arrives, the answer is a coded
GraphQL error or data, never a 500, and no error tells internals.

Bounded: a fixed number of examples each (COMMENTMOD_FUZZ_EXAMPLES to go further).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.client import Api

ROOT = Path(__file__).resolve().parents[3]
SDL = build_schema((ROOT / "schema.graphql").read_text())
EXAMPLES = int(os.environ.get("COMMENTMOD_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("COMMENTMOD_FUZZ_RANDOM") is None,
)
CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "COMMENTS_CLOSED",
    "CONFLICT",
    "RATE_LIMITED",
}
LEAKS = re.compile(
    r"Traceback|File \"|sqlalchemy|sqlite|psycopg|asyncpg|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bFROM \w+ WHERE\b",
    re.IGNORECASE,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.sampled_from(
        ["", "\x00", "QXJ0aWNsZTox", "Q29tbWVudDox", "' OR 1=1 --", "é" * 300, "9" * 40]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert not LEAKS.search(response.text), response.text
    body = response.json()
    assert isinstance(body, dict)
    for error in body.get("errors") or []:
        assert error["extensions"]["code"] in CODES, error


def selection(type_name: str, draw: st.DrawFn, depth: int) -> str:
    object_type = SDL.type_map[type_name]
    assert isinstance(object_type, GraphQLObjectType)
    names = draw(
        st.lists(st.sampled_from(sorted(object_type.fields)), min_size=1, max_size=3, unique=True)
    )
    parts = []
    for name in names:
        named = get_named_type(object_type.fields[name].type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth > 0 and isinstance(named, GraphQLObjectType):
            parts.append(f"{name} {{ {selection(named.name, draw, depth - 1)} }}")
        else:
            parts.append(f"{name} {{ __typename }}")
    return " ".join(parts)


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, dict[str, Any], str | None]:
    kind = draw(st.sampled_from(["Query", "Mutation"]))
    root = SDL.type_map[kind]
    assert isinstance(root, GraphQLObjectType)
    name = draw(st.sampled_from(sorted(root.fields)))
    field = root.fields[name]
    declared, passed, variables = [], [], {}
    for i, (arg_name, arg) in enumerate(field.args.items()):
        if draw(st.booleans()) or str(arg.type).endswith("!"):
            declared.append(f"$v{i}: {arg.type}")
            passed.append(f"{arg_name}: $v{i}")
            # Mostly well-typed values from the schema's own names, sometimes anything.
            variables[f"v{i}"] = draw(json_values)
    named = get_named_type(field.type)
    sub = (
        ""
        if isinstance(named, GraphQLScalarType | GraphQLEnumType)
        else f"{{ {selection(named.name, draw, 3)} }}"
    )
    head = f"{kind.lower()}({', '.join(declared)})" if declared else kind.lower()
    call = f"{name}({', '.join(passed)})" if passed else name
    role = draw(st.sampled_from([None, "commenter", "moderator", "admin"]))
    return f"{head} {{ {call} {sub} }}", variables, role


@FUZZ
@given(op=operations())
async def test_schema_shaped_operations_never_fail_the_server(
    api: Api, op: tuple[str, dict[str, Any], str | None]
) -> None:
    query, variables, role = op
    token = api.token(f"fuzz-{role}", role) if role else None
    check(await api.post(query, variables, as_=token))


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.builds(
            lambda q, v: json.dumps({"query": q, "variables": v}).encode(),
            st.text(max_size=200),
            json_values,
        ),
        st.text(alphabet="{}()[]:$!@.,\"'# \n\\abcdeqrsuy0123", max_size=200).map(
            lambda q: json.dumps({"query": q}).encode()
        ),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "multipart/form-data",
            "application/graphql",
            "",
        ]
    ),
    method=st.sampled_from(["POST", "GET"]),
)
async def test_arbitrary_requests_never_fail_the_server(
    api: Api, body: bytes, content_type: str, method: str
) -> None:
    if method == "GET":
        response = await api.http.get("/graphql", params={"query": body.decode("utf-8", "replace")})
    else:
        response = await api.http.post(
            "/graphql", content=body, headers={"content-type": content_type}
        )
    check(response)
