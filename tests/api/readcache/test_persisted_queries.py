"""Persisted queries are checked before they are remembered, and the store is
bounded in bytes: anonymous registrations cannot grow a server for good."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from api.http.config import Config
from tests.support.client import Api, make_settings

SMALL = "{ articles(first: 1) { totalCount } }"


@pytest.fixture
def settings(database_url: str) -> Config:
    # Room for about two small documents.
    return make_settings(
        database_url,
        persisted_queries_max_bytes=2 * len(SMALL) + 20,
        persisted_query_max_bytes=4096,
    )


def persisted(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def register(api: Api, query: str) -> dict[str, Any]:
    response = await api.http.post(
        "/graphql", json={"query": query, "extensions": persisted(query)}
    )
    body: dict[str, Any] = response.json()
    return body


async def known(api: Api, query: str) -> bool:
    response = await api.http.post("/graphql", json={"extensions": persisted(query)})
    codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
    return "PERSISTED_QUERY_NOT_FOUND" not in codes


async def test_text_that_does_not_parse_is_answered_but_never_remembered(api: Api) -> None:
    junk = "# only a comment\n" + "#" * 2000
    body = await register(api, junk)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert not await known(api, junk)
    broken = "{ articles(first: 1) { totalCount "
    assert (await register(api, broken))["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert not await known(api, broken)
    # A document over persisted_query_max_bytes runs, and is not kept either.
    long = SMALL + " #" + "x" * 5000
    assert (await register(api, long))["data"] == {"articles": {"totalCount": 0}}
    assert not await known(api, long)


async def test_the_store_is_bounded_in_bytes(api: Api) -> None:
    documents = [SMALL.replace("1", str(n)) for n in (1, 2, 3)]
    for document in documents:
        assert "errors" not in await register(api, document)
    # The third pushed out the least recently used first; the other two stay.
    assert [await known(api, d) for d in documents] == [False, True, True]
