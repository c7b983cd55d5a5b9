"""Requests meant to push the API over: each gets a clear, coded refusal, never a 500.

Token attacks (forged role, expired, other secret, alg none) are in test_auth.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.client import Api

ARTICLES = "{ articles(first: 1) { totalCount } }"


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def assert_refused(response: httpx.Response, status: int, code: str = "BAD_USER_INPUT") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert codes(response.json()) == [code], response.text


async def test_a_body_of_one_megabyte_is_refused_with_413(api: Api) -> None:
    padding = "x" * (1024 * 1024)
    response = await api.http.post(
        "/graphql", json={"query": ARTICLES, "variables": {"p": padding}}
    )
    assert_refused(response, 413)

    # Without Content-Length too: the body is counted as it arrives.
    async def chunks() -> Any:
        for _ in range(64):
            yield b"x" * 16384

    response = await api.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_refused(response, 413)


async def test_nul_bytes_are_refused(api: Api) -> None:
    article = await api.create_article()
    error = await api.error(
        "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
        {"i": {"articleId": article["id"], "body": "hello\x00world"}},
        as_=api.token("ann"),
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    response = await api.http.post(
        "/graphql",
        content=b'{"query": "{ articles { totalCount } }\x00"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (200, 400)
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_invalid_utf8_is_refused(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        content=b'{"query": "{ articles { totalCount } }", "x": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert_refused(response, 400)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"query": "{ articles { totalCount } ', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"", "application/json"),
        (b"query={ articles { totalCount } }", "text/plain"),
        (b"<xml/>", "application/xml"),
    ],
    ids=["truncated", "array", "string", "empty", "text-plain", "xml"],
)
async def test_malformed_json_and_wrong_content_types_are_refused(
    api: Api, content: bytes, content_type: str
) -> None:
    response = await api.http.post(
        "/graphql", content=content, headers={"content-type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text
    assert codes(response.json()) == ["BAD_USER_INPUT"], response.text


async def test_deeply_nested_query_is_refused(api: Api) -> None:
    inner = "id"
    for _ in range(25):  # depth 50: two levels per reply page
        inner = f"replies(first: 1) {{ edges {{ node {{ {inner} }} }} }}"
    query = f'{{ comment(id: "x") {{ {inner} }} }}'
    error = await api.error(query)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "exceeds maximum operation depth" in error["message"]


async def test_a_thousand_aliases_are_refused(api: Api) -> None:
    query = (
        "{ " + " ".join(f"a{i}: articles(first: 1) {{ totalCount }}" for i in range(1000)) + " }"
    )
    body = await api.query(query)
    # So many aliases are also too many tokens; either limit refuses the whole request.
    assert body["data"] is None and codes(body) == ["BAD_USER_INPUT"]
    few_tokens = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(31)) + " }"
    error = await api.error(few_tokens)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "31 aliases found. Allowed: 30"
    assert "errors" not in await api.query(
        "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(30)) + " }"
    )


async def test_too_many_tokens_are_refused(api: Api) -> None:
    query = "{ articles { " + "totalCount " * 3000 + "} }"
    error = await api.error(query)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "token" in error["message"].lower()


async def test_a_page_of_ten_thousand_is_served_as_a_capped_page(api: Api) -> None:
    """Every list takes first: 10000 and serves at most 100 (the cap itself, with 101
    rows, is test_pagination.py::test_page_size_is_capped_at_100)."""
    article = await api.create_article()
    for i in range(3):
        await api.comment(article["id"], f"Comment {i}.", as_=api.token(f"u{i}"))
    data = await api.data(
        """query($slug: String!) { articles(first: 10000) { edges { cursor } }
             article(slug: $slug) { comments(first: 10000) { edges { node {
               replies(first: 10000) { totalCount } } } } } }""",
        {"slug": article["slug"]},
    )
    assert len(data["article"]["comments"]["edges"]) == 3
    queue = await api.data(
        "{ moderationQueue(queue: APPROVED, first: 10000) { edges { cursor } } }",
        as_=api.token("mo", "moderator"),
    )
    assert len(queue["moderationQueue"]["edges"]) == 3


async def test_batched_queries_are_refused(api: Api) -> None:
    response = await api.http.post("/graphql", json=[{"query": ARTICLES}, {"query": ARTICLES}])
    assert_refused(response, 400)


async def test_mutations_over_get_are_refused(api: Api) -> None:
    response = await api.http.get(
        "/graphql",
        params={
            "query": 'mutation { setCommentsOpen(input: {articleId: "x", open: false}) { article { id } } }'
        },
    )
    assert_refused(response, 400)
    assert "GET" in response.json()["errors"][0]["message"]
    assert (await api.http.get("/graphql", params={"query": ARTICLES})).json() == {
        "data": {"articles": {"totalCount": 0}}
    }


async def test_an_empty_selection_set_is_refused(api: Api) -> None:
    for query in ["{}", "{ articles {} }"]:
        body = await api.query(query)
        assert body["data"] is None and codes(body) == ["BAD_USER_INPUT"], body


async def test_development_mode_keeps_introspection_and_suggestions(api: Api) -> None:
    assert (await api.data("{ __schema { queryType { name } } }"))["__schema"]["queryType"] == {
        "name": "Query"
    }
    error = await api.error("{ articlez { totalCount } }")
    assert "Did you mean 'article' or 'articles'?" in error["message"]
