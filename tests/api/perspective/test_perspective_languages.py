"""`detectedLanguages`: what the language detection finds, reported as Perspective does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import Api
from tests.support.perspective import SUGGEST, analyze


def body(text: str, **extra: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **extra}


@pytest.mark.parametrize(
    ("text", "languages", "detected", "used"),
    [
        # README's example: a short English insult, languages given.
        ("you are an idiot", ["en"], ["en"], ["en"]),
        # Too weak a guess to choose the scoring language by, still reported.
        ("shut up you stupid moron", None, ["en"], ["en"]),
        ("What a helpful, well written piece.", None, ["en"], ["en"]),
        ("مرحبا بكم في الموقع، شكرا على المقال المفيد", ["en"], ["ar"], ["en"]),
        # Too short to guess at all.
        ("ok!", None, [], ["en"]),
        # py3langid calls it "zxx", no language: scored by the default, never refused.
        ("you stupid idiot marker0fc35759f4cf", None, [], ["en"]),
    ],
)
async def test_analyze_reports_the_detected_language(
    api: Api, key: str, text: str, languages: list[str] | None, detected: list[str], used: list[str]
) -> None:
    extra = {"languages": languages} if languages is not None else {}
    response = await analyze(api, body(text, **extra), key)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["detectedLanguages"] == detected
    assert answer["languages"] == used


async def test_suggestscore_reports_the_detected_language(api: Api, key: str) -> None:
    suggestion = {
        "comment": {"text": "shut up you stupid moron"},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1.0}}},
    }
    response = await api.http.post(SUGGEST, json=suggestion, params={"key": key})
    assert response.status_code == 200, response.text
    assert response.json()["detectedLanguages"] == ["en"]
