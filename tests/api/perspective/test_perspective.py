"""The Perspective-protocol endpoint, over HTTP, with keys made by the CLI."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from api.cli.main import cli
from moderation.labels import LABELS
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api
from tests.support.perspective import ANALYZE, SUGGEST, analyze, make_key


def coral_body(text: str) -> dict[str, Any]:
    """Exactly what Coral Talk's perspective service sends for comments:analyze."""
    return {
        "comment": {"text": text},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }


def error_of(response: httpx.Response, code: int, status: str) -> str:
    assert response.status_code == code, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert (body["error"]["code"], body["error"]["status"]) == (code, status)
    message: str = body["error"]["message"]
    return message


async def test_coral_talks_request_reads_the_score_where_coral_reads_it(
    api: Api, key: str, linear_scorer: LoadedScorer
) -> None:
    texts = ["Thanks for the thorough reporting.", "You are a stupid idiot, shut up."]
    values = []
    for text in texts:
        response = await analyze(api, coral_body(text), key)
        assert response.status_code == 200, response.text
        body = response.json()
        values.append(body["attributeScores"]["TOXICITY"]["summaryScore"]["value"])
        assert body["attributeScores"]["TOXICITY"]["summaryScore"]["type"] == "PROBABILITY"
        assert "spanScores" not in body["attributeScores"]["TOXICITY"]
        assert body["languages"] == ["en"]
    # The very scores addComment's scorer gives.
    expected = await linear_scorer.scorer.score(texts)
    assert values == [s["toxicity"] for s in expected]
    assert values[0] < 0.5 < values[1]


class AllLabels:
    """Every label, each a different function of the text, so that mix-ups show."""

    name, version, labels, languages = "all", "1", LABELS, ("en", "fr")

    @staticmethod
    def value(text: str, label: str) -> float:
        return ((len(text) * (LABELS.index(label) + 3)) % 89) / 100

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [{label: self.value(t, label) for label in LABELS} for t in texts]


class TestEveryLabel:
    @pytest.fixture
    def scorer(self) -> LoadedScorer:
        return LoadedScorer(AllLabels(), "test")  # type: ignore[arg-type]

    async def test_attributes_map_to_labels_and_thresholds_filter(self, api: Api, key: str) -> None:
        text = "A sentence of moderate length for the test."
        mapping = {
            "TOXICITY": "toxicity",
            "SEVERE_TOXICITY": "severe_toxicity",
            "IDENTITY_ATTACK": "identity_attack",
            "INSULT": "insult",
            "PROFANITY": "obscene",
            "THREAT": "threat",
            "SEXUALLY_EXPLICIT": "sexual_explicit",
        }
        body = {"comment": {"text": text}, "requestedAttributes": {a: {} for a in mapping}}
        scores = (await analyze(api, body, key)).json()["attributeScores"]
        assert {a: s["summaryScore"]["value"] for a, s in scores.items()} == {
            a: AllLabels.value(text, label) for a, label in mapping.items()
        }
        # scoreThreshold drops the attributes below it, and only those.
        cut = sorted(AllLabels.value(text, label) for label in mapping.values())[3]
        body["requestedAttributes"] = {a: {"scoreThreshold": cut} for a in mapping}
        kept = (await analyze(api, body, key)).json()["attributeScores"]
        assert set(kept) == {
            a for a, label in mapping.items() if AllLabels.value(text, label) >= cut
        }
        assert 0 < len(kept) < len(mapping)

    async def test_span_annotations_score_each_sentence_in_one_batch(
        self, api: Api, key: str
    ) -> None:
        text = "First things first.  Then a second, longer sentence!\nAnd a third"
        before = api.runtime.scoring.stats.batches
        body = {
            "comment": {"text": text},
            "requestedAttributes": {"INSULT": {}},
            "spanAnnotations": True,
            "clientToken": "tok-1",
        }
        response = (await analyze(api, body, key)).json()
        assert api.runtime.scoring.stats.batches == before + 1
        assert response["clientToken"] == "tok-1"
        spans = response["attributeScores"]["INSULT"]["spanScores"]
        pieces = [text[s["begin"] : s["end"]] for s in spans]
        assert pieces == ["First things first.", "Then a second, longer sentence!", "And a third"]
        assert [s["score"]["value"] for s in spans] == [
            AllLabels.value(p, "insult") for p in pieces
        ]
        summary = response["attributeScores"]["INSULT"]["summaryScore"]["value"]
        assert summary == AllLabels.value(text, "insult")

    async def test_languages_are_detected_and_checked(self, api: Api, key: str) -> None:
        french = "Je pense que cet article est vraiment très intéressant et bien écrit."
        body: dict[str, Any] = {"comment": {"text": french}, "requestedAttributes": {"THREAT": {}}}
        answer = (await analyze(api, body, key)).json()
        assert answer["detectedLanguages"] == ["fr"] and answer["languages"] == ["fr"]
        german = (
            "Ich glaube, dass dieser Artikel wirklich sehr interessant und gut geschrieben ist."
        )
        message = error_of(
            await analyze(api, {**body, "comment": {"text": german}}, key), 400, "INVALID_ARGUMENT"
        )
        assert message == "Attribute THREAT does not support request languages: de"
        # Regional tags are matched by their language.
        answer = (await analyze(api, {**body, "languages": ["fr-FR"]}, key)).json()
        assert answer["languages"] == ["fr-FR"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            {"comment": {"text": "hello"}, "requestedAttributes": {"FLIRTATION": {}}},
            "Unknown attribute: FLIRTATION",
        ),
        (
            {"comment": {"text": "hello"}, "requestedAttributes": {"INSULT": {}}},
            "Attribute INSULT is not available",
        ),
        ({"comment": {"text": "hello"}, "requestedAttributes": {}}, "at least one attribute"),
        (
            {**coral_body("hello"), "languages": ["de"]},
            "Attribute TOXICITY does not support request languages: de",
        ),
        (coral_body(""), "non-empty"),
        (coral_body("   \n"), "non-empty"),
        (coral_body("é" * 10241), "too long: 20482 bytes"),
        # JSON may escape half a surrogate pair; no encoding can store it.
        (
            b'{"comment": {"text": "half \\ud800 a pair"}, "requestedAttributes": {"TOXICITY": {}}}',
            "lone surrogates",
        ),
        (coral_body("nul \x00 byte"), "NUL"),
        ({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}, "comment.text"),
        ({"requestedAttributes": {"TOXICITY": {}}}, "'comment'"),
        ({**coral_body("hello"), "doNotStore": "yes"}, "doNotStore"),
        ({**coral_body("hello"), "bogus": 1}, 'Unknown name "bogus"'),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}},
            "scoreThreshold",
        ),
        ([1, 2], "expected an object"),
    ],
)
async def test_bad_requests_get_perspectives_error_shape(
    api: Api, key: str, body: object, needle: str
) -> None:
    message = error_of(await analyze(api, body, key), 400, "INVALID_ARGUMENT")
    assert needle in message


async def test_text_of_exactly_20_kb_is_scored(api: Api, key: str) -> None:
    response = await analyze(api, coral_body("é" * 10240), key)
    assert response.status_code == 200, response.text


async def test_malformed_json(api: Api, key: str) -> None:
    response = await api.http.post(ANALYZE, content=b'{"comment": ', params={"key": key})
    assert "Invalid JSON payload" in error_of(response, 400, "INVALID_ARGUMENT")


async def test_other_methods_and_verbs_are_not_found(api: Api, key: str) -> None:
    error_of(await api.http.get(ANALYZE, params={"key": key}), 404, "NOT_FOUND")
    response = await api.http.post("/v1alpha1/comments:classify", json={}, params={"key": key})
    assert "comments:classify" in error_of(response, 404, "NOT_FOUND")


async def test_keys_missing_wrong_and_revoked(api: Api, key: str, database_url: str) -> None:
    body = coral_body("hello there")
    error_of(await analyze(api, body, None), 401, "UNAUTHENTICATED")
    error_of(await analyze(api, body, "cm_not-a-key"), 403, "PERMISSION_DENIED")
    # Google's header works too, and it keeps the key out of URLs.
    response = await api.http.post(ANALYZE, json=body, headers={"X-Goog-Api-Key": key})
    assert response.status_code == 200
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["apikey", "revoke", "coral", "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    error_of(await analyze(api, body, key), 403, "PERMISSION_DENIED")


async def test_rate_limit_is_per_key(api: Api, database_url: str) -> None:
    slow = await asyncio.to_thread(make_key, database_url, "slow", "--rate-limit", "3")
    other = await asyncio.to_thread(make_key, database_url, "other")
    body = coral_body("hello there")
    statuses = [(await analyze(api, body, slow)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = await analyze(api, body, slow)
    assert "3 requests per second" in error_of(refused, 429, "RESOURCE_EXHAUSTED")
    assert refused.headers["retry-after"] == "1"
    assert (await analyze(api, body, other)).status_code == 200
    await asyncio.sleep(1.05)
    assert (await analyze(api, body, slow)).status_code == 200


class BrokenScorer:
    name, version, labels, languages = "broken", "1", ("toxicity",), ("en",)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise RuntimeError("model file is corrupt")


class TestBrokenScorer:
    @pytest.fixture
    def scorer(self) -> LoadedScorer:
        return LoadedScorer(BrokenScorer(), "test")  # type: ignore[arg-type]

    async def test_scorer_failure_is_unavailable(self, api: Api, key: str) -> None:
        response = await analyze(api, coral_body("hello there"), key)
        assert "unavailable" in error_of(response, 503, "UNAVAILABLE")
        # A suggestion is kept even when the model cannot score it.
        suggestion = {
            "comment": {"text": "hello there"},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        }
        response = await api.http.post(SUGGEST, json=suggestion, params={"key": key})
        assert response.status_code == 200, response.text


def export(database_url: str) -> str:
    result = CliRunner().invoke(
        cli, ["feedback", "export", "--format", "jsonl", "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


async def test_suggestscore_from_coral_is_stored_as_feedback(
    api: Api, key: str, database_url: str
) -> None:
    # What Coral sends when a moderator rejects comment c-9.
    body = {
        "comment": {"text": "You are all clowns."},
        "context": {"entries": [{"text": '{"url": "https://example.com/a#c-9"}'}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "languages": ["en"],
        "communityId": "Coral:https://example.com",
        "clientToken": "comment:c-9",
    }
    response = await api.http.post(SUGGEST, json=body, params={"key": key})
    assert response.status_code == 200, response.text
    assert response.json()["clientToken"] == "comment:c-9"
    bad = {**body, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 3}}}}
    error_of(await api.http.post(SUGGEST, json=bad, params={"key": key}), 400, "INVALID_ARGUMENT")
    (row,) = [
        json.loads(line) for line in (await asyncio.to_thread(export, database_url)).splitlines()
    ]
    assert row["text"] == "You are all clowns." and row["label"] == "toxicity"
    assert row["value"] == 1.0 and row["source"] == "suggestscore"
    assert (
        row["client_token"] == "comment:c-9" and row["community_id"] == "Coral:https://example.com"
    )
    assert 0 <= row["model_score"] <= 1 and row["model"].startswith("linear@")


async def test_do_not_store_keeps_the_text_out_of_logs_and_the_database(
    api: Api, key: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Zanzibar-quokka-marmalade-7731 is a private phrase"
    caplog.set_level(logging.DEBUG)
    body = {**coral_body(secret), "spanAnnotations": True}
    assert (await analyze(api, body, key)).status_code == 200
    suggestion = {
        "comment": {"text": secret},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        "doNotStore": True,
    }
    response = await api.http.post(SUGGEST, json=suggestion, params={"key": key})
    assert response.status_code == 200
    # The suggestion itself is kept, without its text.
    rows = (await asyncio.to_thread(export, database_url)).splitlines()
    assert len(rows) == 1 and '"text": null' in rows[0]
    assert caplog.records and "quokka" not in caplog.text
    await api.runtime.db.dispose()
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    for file in path.parent.glob(path.name + "*"):
        assert b"quokka" not in file.read_bytes(), file


async def test_json_nested_a_thousand_deep_is_invalid_argument(api: Api, key: str) -> None:
    deep = "[" * 1000 + "]" * 1000
    for path in (ANALYZE, SUGGEST):
        body = f'{{"comment": {{"text": "hello"}}, "context": {deep}}}'.encode()
        response = await api.http.post(path, content=body, params={"key": key})
        assert "nested too deeply" in error_of(response, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize("field", ["clientToken", "communityId"])
async def test_suggestscore_with_nul_or_a_lone_surrogate_is_invalid_argument(
    api: Api, key: str, field: str
) -> None:
    for bad in ("a\x00b", "a\ud800b"):
        body = {
            "comment": {"text": "A fine remark."},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
            field: bad,
        }
        content = json.dumps(body).encode()  # \\u escapes, as JSON.stringify sends
        response = await api.http.post(SUGGEST, content=content, params={"key": key})
        error_of(response, 400, "INVALID_ARGUMENT")
