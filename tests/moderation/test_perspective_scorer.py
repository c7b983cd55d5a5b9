"""The remote Perspective scorer against a scripted server."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from moderation.scorers.perspective import PerspectiveError, PerspectiveScorer
from moderation.scorers.registry import ScorerConfigError, ScorerOptions, load_scorer


def scorer_for(handler: httpx.MockTransport, **options: object) -> PerspectiveScorer:
    return PerspectiveScorer(
        "https://scorer.example/v1alpha1/",
        "sekrit",
        transport=handler,
        **options,  # type: ignore[arg-type]
    )


async def test_one_request_per_text_concurrently_but_bounded() -> None:
    in_flight = peak = 0
    seen: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        seen.append(request)
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        text = json.loads(request.content)["comment"]["text"]
        value = len(text) / 100
        return httpx.Response(
            200,
            json={
                "attributeScores": {
                    "TOXICITY": {"summaryScore": {"value": value}},
                    "PROFANITY": {"summaryScore": {"value": value / 2}},
                }
            },
        )

    scorer = scorer_for(
        httpx.MockTransport(handle), attributes=("TOXICITY", "PROFANITY"), concurrency=3
    )
    assert scorer.labels == ("toxicity", "obscene")
    texts = ["x" * n for n in range(1, 11)]
    scores = await scorer.score(texts)
    await scorer.aclose()
    assert scores == [{"toxicity": n / 100, "obscene": n / 200} for n in range(1, 11)]
    assert len(seen) == 10 and peak == 3
    request = seen[0]
    assert str(request.url) == "https://scorer.example/v1alpha1/comments:analyze"
    assert request.headers["x-goog-api-key"] == "sekrit"
    body = json.loads(request.content)
    assert body["doNotStore"] is True
    assert body["requestedAttributes"] == {"TOXICITY": {}, "PROFANITY": {}}


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            403,
            json={
                "error": {
                    "code": 403,
                    "message": "API key not valid",
                    "status": "PERMISSION_DENIED",
                }
            },
        ),
        httpx.Response(200, json={"attributeScores": {}}),
        httpx.Response(200, content=b"<html>"),
        httpx.Response(503, text="down"),
    ],
    ids=["refused", "no-scores", "not-json", "down"],
)
async def test_failures_raise_without_the_key(response: httpx.Response) -> None:
    scorer = scorer_for(httpx.MockTransport(lambda _request: response))
    with pytest.raises(PerspectiveError) as raised:
        await scorer.score(["hello"])
    assert "sekrit" not in str(raised.value)


async def test_unreachable_server_raises() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(PerspectiveError, match="ConnectError"):
        await scorer_for(httpx.MockTransport(refuse)).score(["hello"])


def test_registry_builds_it_from_settings_and_refuses_bad_ones() -> None:
    options = ScorerOptions(
        name="perspective:http://10.0.0.5:8000/v1alpha1",
        key="k",
        attributes=("TOXICITY", "INSULT"),
        languages=("en", "fr"),
    )
    loaded = load_scorer(options)
    assert loaded.scorer.labels == ("toxicity", "insult")
    assert loaded.scorer.languages == ("en", "fr")
    assert loaded.scorer.name == "perspective:http://10.0.0.5:8000/v1alpha1"
    for bad in (
        ScorerOptions(name="perspective:http://h/v1alpha1"),  # no key
        ScorerOptions(name="perspective:ftp://h/v1alpha1", key="k"),
        ScorerOptions(name="perspective:http://h/v1alpha1", key="k", attributes=("SPAM",)),
    ):
        with pytest.raises(ScorerConfigError):
            load_scorer(bad)
