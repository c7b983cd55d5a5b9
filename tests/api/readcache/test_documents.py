"""Each distinct query text is parsed and validated once, without changing any answer."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from api.graphql import documents
from api.http.app import create_app
from api.runtime import Runtime
from tests.support.client import Api

NESTED = (
    "{ articles(first: 1) { edges { node { comments(first: 1) { edges { node { id } } } } } } }"
)


async def test_a_repeated_query_is_parsed_once_and_answers_the_same(api: Api) -> None:
    await api.create_article("cached")
    query = '{ article(slug: "cached") { slug } }'
    first = await api.data(query)
    key = (query, api.runtime.settings.max_tokens)
    document = documents._parsed.get(key)
    assert document is not None
    assert await api.data(query) == first == {"article": {"slug": "cached"}}
    assert documents._parsed.get(key) is document


async def test_repeated_bad_documents_keep_their_codes(api: Api) -> None:
    for _ in range(3):
        syntax = await api.error("{ article(slug: ")
        assert syntax["extensions"]["code"] == "BAD_USER_INPUT"
        assert syntax["message"].startswith("Syntax Error")
        invalid = await api.error("{ nosuchfield }")
        assert invalid["extensions"]["code"] == "BAD_USER_INPUT"
        assert "nosuchfield" in invalid["message"]


async def test_validation_is_kept_per_limits_in_force(api: Api, runtime: Runtime) -> None:
    # The same text under a stricter app in the same process: its own verdict.
    assert "errors" not in await api.query(NESTED)
    strict = Runtime(
        runtime.settings.model_copy(update={"max_query_depth": 3}), scorer=runtime.scorer
    )
    app = create_app(runtime=strict, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        body = (await http.post("/graphql", json={"query": NESTED})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert "errors" not in await api.query(NESTED)


def test_the_cache_forgets_the_least_recently_used() -> None:
    lru: documents.LRU[str, int] = documents.LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "b" is now the oldest
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c"), len(lru)) == (1, None, 3, 2)
