"""Input no resolver can use (JSON nested a thousand deep, lone surrogates, digits of
other scripts, numbers past a column's range): each is refused with a clear code,
never answered with a 500 or INTERNAL_SERVER_ERROR."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx
import pytest

from tests.support.client import Api

ARTICLES = "{ articles(first: 1) { totalCount } }"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    return body


@pytest.mark.parametrize("where", ["body", "variables", "extensions"])
async def test_json_nested_a_thousand_deep_is_a_400(api: Api, where: str) -> None:
    deep = nested(1000)
    fields = {"body": f'"x": {deep}', "variables": f'"variables": {{"v": {deep}}}'}
    fields["extensions"] = f'"extensions": {{"e": {deep}}}'
    content = f'{{"query": "{ARTICLES}", {fields[where]}}}'.encode()
    response = await api.http.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    body = assert_refused(response)
    assert "nested too deeply" in body["errors"][0]["message"]
    # Over GET as well (variables and extensions are JSON in the query string).
    if where != "body":
        response = await api.http.get("/graphql", params={"query": ARTICLES, where: deep})
        assert_refused(response)
    # Moderate nesting is still served.
    ok = await api.http.post("/graphql", json={"query": ARTICLES, "variables": {"v": [[[[1]]]]}})
    assert ok.status_code == 200 and "errors" not in ok.json(), ok.text


def raw_id(text: str) -> str:
    """An ID as the API would spell one, around any text (a hand-made one)."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def raw_cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("pk", ["²", "١٢", str(2**31), str(2**63), "9" * 30])
async def test_ids_of_other_digits_or_past_the_key_range_name_nothing(api: Api, pk: str) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    data = await api.data(
        "query($c: ID!, $a: ID!) { comment(id: $c) { id } article(id: $a) { id } }",
        {"c": raw_id(f"Comment:{pk}"), "a": raw_id(f"Article:{pk}")},
    )
    assert data == {"comment": None, "article": None}
    error = await api.error(
        "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
        {"i": {"articleId": article["id"], "body": "Hi.", "parentId": raw_id(f"Comment:{pk}")}},
        as_=ann,
    )
    assert error["extensions"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT"), error
    error = await api.error(
        "mutation($i: ReportCommentInput!) { reportComment(input: $i) { clientMutationId } }",
        {"i": {"commentId": raw_id(f"Comment:{pk}"), "reason": "SPAM"}},
        as_=ann,
    )
    assert error["extensions"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT"), error


@pytest.mark.parametrize(
    "cursor",
    [
        ["listing", [{"t": "2026-01-01T00:00:00"}, 2**63]],
        ["listing", [{"t": "2026-01-01T00:00:00"}, 2**31]],
        ["listing", [12, 1]],
        ["listing", [{"t": "2026-01-01T00:00:00"}, True]],
        ["listing", [{"t": "2026-01-01T00:00:00"}, 1.5]],
    ],
    ids=["int64", "int32", "number-for-time", "bool", "float-for-id"],
)
async def test_cursors_with_values_no_column_holds_are_refused(api: Api, cursor: list[Any]) -> None:
    await api.create_article()
    error = await api.error(
        "query($c: String) { articles(first: 1, after: $c) { totalCount } }",
        {"c": raw_cursor(cursor)},
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    deep = base64.urlsafe_b64encode(("[" * 5000).encode()).decode()
    error = await api.error("query($c: String) { articles(after: $c) { totalCount } }", {"c": deep})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error


LONE = "\ud800"


async def post_ascii(api: Api, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    """POST JSON with \\u escapes, as JavaScript's JSON.stringify sends a lone surrogate."""
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return await api.http.post("/graphql", content=json.dumps(body).encode(), headers=headers)


async def test_a_lone_surrogate_in_any_string_argument_is_refused(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    admin = api.token("admin", "admin")
    cases: list[tuple[str, dict[str, Any], str | None]] = [
        (
            "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
            {"i": {"articleId": article["id"], "body": f"Hi {LONE}."}},
            ann,
        ),
        (
            "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
            {"i": {"articleId": article["id"], "body": "Hi.", "clientMutationId": LONE}},
            ann,
        ),
        ("query($s: String!) { article(slug: $s) { id } }", {"s": LONE}, None),
        (
            "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
            {"a": {"slug": "b", "title": LONE, "body": "Text."}},
            admin,
        ),
        (
            "mutation($i: ExchangeConsoleLinkInput!) { exchangeConsoleLink(input: $i) { token } }",
            {"i": {"token": LONE}},
            None,
        ),
    ]
    for query, variables, token in cases:
        response = await post_ascii(api, {"query": query, "variables": variables}, token)
        body = assert_refused(response)
        assert "surrogate" in body["errors"][0]["message"]
    # In the GraphQL text itself, as an escape, and in a user id of a token's subject.
    error = await api.error('{ article(slug: "\\ud800") { id } }')
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    response = await api.post(ARTICLES, as_=api.token(f"u{LONE}"))
    assert response.status_code in (400, 401), response.text
    # A persisted query whose text holds one: refused, and nothing stored.
    text = f"{{ articles(first: 1) {{ totalCount }} }} # {LONE}"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    response = await post_ascii(api, {"query": text, "extensions": persisted})
    assert_refused(response)
    response = await post_ascii(api, {"extensions": persisted})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_subscription_over_post_is_refused(api: Api) -> None:
    article = await api.create_article()
    response = await api.post(
        "subscription($a: ID!) { commentAdded(articleId: $a) { id } }", {"a": article["id"]}
    )
    assert 400 <= response.status_code < 500, response.text
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes == ["BAD_USER_INPUT"], response.text


async def test_nul_in_a_slug_names_no_article(api: Api) -> None:
    await api.create_article("a-story")
    data = await api.data("query($s: String!) { article(slug: $s) { id } }", {"s": "a-story\x00"})
    assert data == {"article": None}
    error = await api.error(
        "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
        {"a": {"slug": "a\x00b", "title": "T", "body": "Text."}},
        as_=api.token("admin", "admin"),
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
