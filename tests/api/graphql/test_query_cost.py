"""Query cost: the issue's attack is refused before it runs, while every query the
console, the reader page, README and docs/ send stays under the default limit."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError, parse

from api.graphql.cost import compile_cost
from api.graphql.schema import schema
from api.http.config import Config
from tests.support.client import Api

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "api" / "web" / "static"
DEFAULT_LIMIT = Config.model_fields["max_query_cost"].default
GRAPHQL_START = re.compile(r"^\s*(query|mutation|subscription)\b|^\s*\{")


def attack() -> str:
    """The issue's query: 30 aliases of an article's comments, `first` 100 down to 71,
    each with its author and article (about 5.7 KB)."""
    parts = [
        f'a{i}: article(slug: "a-story") {{ comments(first: {100 - i}) {{ edges {{ node {{ '
        "id body createdAt author { id name approvedCommentCount rejectedCommentCount } "
        "article { id slug title commentCount } } } } }"
        for i in range(30)
    ]
    return "{ " + " ".join(parts) + " }"


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    plan = compile_cost(schema._schema, parse(query), None)
    assert plan is not None
    return plan.cost(variables)


# -- the queries the project's own clients send ------------------------------------


def js_queries(path: Path) -> list[str]:
    """Every GraphQL document a page's script holds: its constants substituted into its
    template literals (`${PAGE}`, `${FIELDS}`...), then each literal that starts like a
    GraphQL operation."""
    source = path.read_text()
    constants: dict[str, str] = {}
    for name, value in re.findall(r"const (\w+) = (\d+);", source):
        constants[name] = value
    for name, value in re.findall(r'const (\w+) = "([^"]*)";', source):
        constants[name] = value
    for name, value in re.findall(r"const (\w+) = `([^`]*)`;", source):
        constants[name] = value

    def substitute(text: str) -> str:
        for _ in range(5):  # constants made of constants
            text = re.sub(r"\$\{(\w+)\}", lambda m: constants.get(m.group(1), m.group(0)), text)
        return text

    literals = re.findall(r"`([^`]*)`", source) + re.findall(r'"([^"\n]*)"', source)
    found = []
    for literal in literals:
        text = substitute(literal)
        if not GRAPHQL_START.match(text) or text.strip() in ("{", "{}"):
            continue
        try:
            parse(text)
        except GraphQLError:
            if re.match(r"^\s*(query|mutation|subscription)\b", text):
                raise AssertionError(f"{path.name}: cannot read {text!r}") from None
            continue
        found.append(text)
    return found


def doc_queries(path: Path) -> list[str]:
    """Every GraphQL document in a page's examples: ```graphql blocks, `gql TOKEN '…'`
    arguments and the "query" of JSON bodies (shell variables in them not expanded)."""
    text = path.read_text()
    found: list[str] = []
    found += re.findall(r"```graphql\n(.*?)```", text, re.S)
    shell = "\n".join(re.findall(r"```sh\n(.*?)```", text, re.S))
    for literal in re.findall(r"'([^']*)'", shell):
        candidates = [literal]
        if literal.lstrip().startswith("{") and '"query"' in literal:
            try:
                candidates = [json.loads(literal)["query"]]
            except (ValueError, KeyError, TypeError):
                continue
        for candidate in candidates:
            if not GRAPHQL_START.match(candidate):
                continue
            try:
                parse(candidate)
            except GraphQLError:
                continue
            found.append(candidate)
    return found


def project_queries() -> dict[str, list[str]]:
    pages = {p.name: js_queries(p) for p in sorted(STATIC.glob("*.js"))}
    docs = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    pages.update({p.name: doc_queries(p) for p in docs})
    return pages


def test_every_query_the_project_sends_is_under_the_default_limit() -> None:
    pages = project_queries()
    # The collection found what it should: the pages' own documents are there.
    assert len(pages["reader.js"]) >= 3 and len(pages["console.js"]) >= 7
    assert sum(len(q) for q in pages.values()) >= 60
    reader = next(q for q in pages["reader.js"] if q.startswith("query Article"))
    queue = next(q for q in pages["console.js"] if q.startswith("query Queue"))
    # The pages send no page sizes in variables: these are the costs they incur.
    assert 500 < cost(reader, {"slug": "s", "signedIn": True}) < DEFAULT_LIMIT / 2
    assert 500 < cost(queue, {"queue": "PENDING"}) < DEFAULT_LIMIT / 2
    over = {
        (page, query): cost(query)
        for page, queries in pages.items()
        for query in queries
        if cost(query) > DEFAULT_LIMIT
    }
    expected_refusal = {k: v for k, v in over.items() if k[0] == "security.md"}
    assert over == expected_refusal and len(expected_refusal) == 1  # the documented refusal
    assert cost(attack()) > DEFAULT_LIMIT


def test_the_cost_counts_objects_through_connections_and_variables() -> None:
    assert cost("{ articles(first: 10) { edges { node { id } } } }") == 10
    assert cost("{ articles { totalCount pageInfo { hasNextPage } } }") == 0
    # Absent first: the argument's default (20); null: the default too; capped at 100.
    assert cost("{ articles { edges { node { id } } } }") == 20
    assert cost("{ articles(first: null) { edges { node { id } } } }") == 20
    assert cost("{ articles(first: 100000) { edges { node { id } } } }") == 100
    nested = """query($n: Int, $m: Int = 3) { articles(first: $n) { edges { node {
        comments(first: $m) { edges { node { author { id } } } } } } } }"""
    assert cost(nested, {"n": 10}) == 10 + 10 * 3 * 2
    assert cost(nested, {"n": 10, "m": 50}) == 10 + 10 * 50 * 2
    assert cost(nested, {}) == 20 + 20 * 3 * 2
    # Aliases each count; fragments are expanded.
    aliased = "{ a: articles(first: 5) { edges { node { id } } } b: articles(first: 7) { ...E } }"
    assert cost(aliased + " fragment E on ArticleConnection { edges { node { id } } }") == 12
    assert 7000 < cost(attack()) < 8000


# -- over HTTP ----------------------------------------------------------------------


async def test_the_attack_is_refused_before_it_runs(api: Api) -> None:
    await api.create_article("a-story")
    query = attack()
    assert 5000 < len(query.encode()) < 6500
    response = await api.post(query)
    assert response.status_code < 500
    body = response.json()
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["maxCost"] == DEFAULT_LIMIT
    assert error["extensions"]["cost"] > DEFAULT_LIMIT
    assert f"{error['extensions']['cost']:,}" in error["message"]
    assert f"{DEFAULT_LIMIT:,}" in error["message"]
    # As every role.
    for role in ("commenter", "moderator", "admin"):
        refused = await api.error(query, as_=api.token(f"u-{role}", role))
        assert refused["extensions"]["code"] == "BAD_USER_INPUT"


async def test_variables_change_the_cost_of_one_document(api: Api) -> None:
    await api.create_article("a-story")
    query = """query($n: Int) { articles(first: $n) { edges { node {
        comments(first: $n) { edges { node { author { id } } } } } } } }"""
    assert "errors" not in await api.query(query, {"n": 10})
    error = await api.error(query, {"n": 100})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "cost": 20100, "maxCost": 5000}
    # The cached plan did not stick to the first variables.
    assert "errors" not in await api.query(query, {"n": 5})


async def test_the_pages_queries_run(api: Api) -> None:
    article = await api.create_article("a-story")
    ann = api.token("ann")
    await api.comment(article["id"], "A first thought.", as_=ann)
    pages = project_queries()
    reader = [q for q in pages["reader.js"] if q.lstrip().startswith("query")]
    for query in reader:
        variables = {"slug": "a-story", "signedIn": True, "id": article["id"]}
        used = {k: v for k, v in variables.items() if f"${k}" in query}
        assert "errors" not in await api.query(query, used), query
    moderator = api.token("mo", "moderator")
    console = [q for q in pages["console.js"] if q.lstrip().startswith("query")]
    for query in console:
        variables: dict[str, Any] = {"queue": "PENDING", "id": article["id"]}
        used = {k: v for k, v in variables.items() if f"${k}" in query}
        assert "errors" not in await api.query(query, used, as_=moderator), query


async def test_the_limit_is_a_setting(database_url: str, linear_scorer: Any) -> None:
    from api.runtime import Runtime
    from tests.support.client import in_process, make_settings

    runtime = Runtime(make_settings(database_url, max_query_cost=9), scorer=linear_scorer)
    async with in_process(runtime) as api:
        assert "errors" not in await api.query("{ articles(first: 9) { edges { node { id } } } }")
        error = await api.error("{ articles(first: 10) { edges { node { id } } } }")
        assert error["extensions"]["maxCost"] == 9


@pytest.mark.parametrize("role", [None, "commenter"])
async def test_a_costly_persisted_or_cached_read_is_refused_too(api: Api, role: str | None) -> None:
    """Anonymous reads go through the response cache: the refusal is never stored."""
    await api.create_article("a-story")
    as_ = api.token("ann", role) if role else None
    query = "{ articles(first: 100) { edges { node { comments(first: 51) { edges { node { id } } } } } } }"
    for _ in range(2):
        error = await api.error(query, as_=as_)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
