"""The allocator settings `serve` applies: large blocks go back to the system, and a
large request body is followed by one trim, however many arrive together."""

from __future__ import annotations

import asyncio

import pytest

from api.http import allocator
from tests.support.client import Api


async def test_a_large_body_is_followed_by_one_trim(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert allocator.return_large_blocks()  # glibc, as on every machine this runs on
    trims: list[int] = []
    monkeypatch.setattr(allocator, "_trim", trims.append)
    monkeypatch.setattr(allocator, "TRIM_DELAY", 0.05)
    query = "{ articles(first: 1) { totalCount } }"
    await api.post(query)  # a small body: no trim
    await asyncio.sleep(0.1)
    assert trims == []
    padded = query + " #" + "x" * allocator.LARGE_BODY
    responses = await asyncio.gather(*(api.post(padded) for _ in range(5)))
    assert all(r.status_code == 200 and "errors" not in r.json() for r in responses)
    await asyncio.sleep(0.2)
    assert trims == [0]
