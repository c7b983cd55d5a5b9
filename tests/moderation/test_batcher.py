"""The micro-batcher groups concurrent requests and fails them together."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from moderation.batcher import MicroBatcher


class CountingScorer:
    name, version, labels, languages = "counting", "1", ("toxicity",), ("en",)

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.delay, self.fail = delay, fail

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("boom")
        return [{"toxicity": len(t) / 100} for t in texts]


async def test_concurrent_requests_share_batches_and_keep_their_results() -> None:
    scorer = CountingScorer(delay=0.01)
    batcher = MicroBatcher(scorer, max_batch=8, max_wait=0.02)
    texts = [f"text {'x' * i}" for i in range(20)]
    results = await asyncio.gather(*(batcher.score([t]) for t in texts))
    assert [r[0]["toxicity"] for r in results] == [len(t) / 100 for t in texts]
    assert all(len(call) <= 8 for call in scorer.calls)
    assert len(scorer.calls) == batcher.stats.batches <= 4
    assert batcher.stats.requests == 20 and batcher.stats.texts == 20
    await batcher.close()


async def test_a_lone_request_waits_at_most_max_wait() -> None:
    batcher = MicroBatcher(CountingScorer(), max_batch=32, max_wait=0.01)
    started = asyncio.get_running_loop().time()
    await batcher.score(["alone"])
    assert asyncio.get_running_loop().time() - started < 0.5
    await batcher.close()


async def test_a_failing_batch_fails_each_of_its_requests() -> None:
    batcher = MicroBatcher(CountingScorer(fail=True), max_batch=4, max_wait=0.01)
    results = await asyncio.gather(
        *(batcher.score(["t"]) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    assert batcher.stats.failures >= 1
    # The worker survives a failure.
    batcher.scorer = CountingScorer()
    assert await batcher.score(["after"]) == [{"toxicity": 0.05}]
    await batcher.close()


async def test_a_caller_that_gave_up_is_skipped() -> None:
    scorer = CountingScorer(delay=0.05)
    batcher = MicroBatcher(scorer, max_batch=4, max_wait=0.0)
    first = asyncio.create_task(batcher.score(["first"]))
    await asyncio.sleep(0.01)  # the first batch is now running
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.001):
            await batcher.score(["abandoned"])
    assert await first == [{"toxicity": 0.05}]
    assert await batcher.score(["next"]) == [{"toxicity": 0.04}]
    assert ["abandoned"] not in scorer.calls
    await batcher.close()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(CountingScorer(), max_batch=0)
