"""The discovery document: Google's own Python client library analyzes a comment with
nothing changed but its discovery URL, and the document's rootUrl follows the request
(X-Forwarded-* only from a trusted proxy)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from googleapiclient import discovery
from googleapiclient.errors import HttpError, UnknownApiNameOrVersion

from api.http.app import create_app
from api.perspective.protocol import ANALYZE_FIELDS, SUGGEST_FIELDS
from api.runtime import Runtime
from moderation.scorers.registry import LoadedScorer
from tests.support.client import make_settings
from tests.support.servers import clean_env, commentmod, serving

DISCOVERY = "/$discovery/rest?version=v1alpha1"


def build(base: str, key: str, version: str = "v1alpha1") -> Any:
    # Perspective's own quickstart, with the discovery URL pointed at this server.
    return discovery.build(
        "commentanalyzer",
        version,
        discoveryServiceUrl=f"{base}/$discovery/rest?version={{apiVersion}}",
        developerKey=key,
        static_discovery=False,
        cache_discovery=False,
    )


def test_google_api_python_client_analyzes_through_discovery(
    tmp_path: Path, linear_scorer: LoadedScorer
) -> None:
    env = clean_env(COMMENTMOD_SCORER="linear")
    key = commentmod(tmp_path, env, "apikey", "create", "--name", "google-client")
    texts = ["What a helpful, well written piece.", "shut up you stupid moron"]
    with serving(tmp_path, env) as server:
        client = build(server.base, key)
        answers = [
            client.comments()
            .analyze(
                body={
                    "comment": {"text": text},
                    "requestedAttributes": {"TOXICITY": {}},
                    "clientToken": "t-1",
                }
            )
            .execute()
            for text in texts
        ]
        suggested = (
            client.comments()
            .suggestscore(
                body={
                    "comment": {"text": texts[0]},
                    "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.0}}},
                    "doNotStore": True,
                }
            )
            .execute()
        )
        with pytest.raises(HttpError) as refused:
            build(server.base, "wrong-key").comments().analyze(
                body={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
            ).execute()
        with pytest.raises(UnknownApiNameOrVersion):
            build(server.base, key, version="v9")
        lines = [line for p in tmp_path.glob("serve-*.log") for line in p.read_text().splitlines()]
    expected = asyncio.run(linear_scorer.scorer.score(texts))
    got = [a["attributeScores"]["TOXICITY"]["summaryScore"]["value"] for a in answers]
    assert got == [s["toxicity"] for s in expected]
    assert got[0] < 0.5 < got[1]
    assert all(a["clientToken"] == "t-1" and a["languages"] == ["en"] for a in answers)
    assert suggested["detectedLanguages"] == ["en"]
    assert refused.value.resp.status == 403
    # The library sends the key in the query string; no log line shows it.
    assert any("$discovery" in line for line in lines)
    assert [line for line in lines if key in line or "wrong-key" in line] == []


async def fetch(
    runtime: Runtime, peer: str, path: str = DISCOVERY, **headers: str
) -> httpx.Response:
    app = create_app(runtime=runtime, migrate=False)
    transport = httpx.ASGITransport(app=app, client=(peer, 5000))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://comments.test:8080") as http,
    ):
        return await http.get(path, headers=headers)


async def test_root_url_follows_the_request_and_trusted_proxies_only(
    database_url: str, linear_scorer: LoadedScorer
) -> None:
    runtime = Runtime(
        make_settings(database_url, trusted_proxies="10.0.0.0/8"), scorer=linear_scorer
    )
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "talk.example.org"}
    direct = (await fetch(runtime, "127.0.0.1")).json()
    spoofed = (await fetch(runtime, "203.0.113.9", **forwarded)).json()
    proxied = (await fetch(runtime, "10.1.2.3", **forwarded)).json()
    evil = (await fetch(runtime, "10.1.2.3", **{"X-Forwarded-Host": "a.org/evil?"})).json()
    assert direct["rootUrl"] == "http://comments.test:8080/"
    assert spoofed["rootUrl"] == "http://comments.test:8080/"
    assert proxied["rootUrl"] == "https://talk.example.org/"
    assert evil["rootUrl"] == "http://comments.test:8080/"
    # The request schemas name exactly the fields the protocol module accepts.
    schemas = direct["schemas"]
    assert set(schemas["AnalyzeCommentRequest"]["properties"]) == ANALYZE_FIELDS
    assert set(schemas["SuggestCommentScoreRequest"]["properties"]) == SUGGEST_FIELDS
    methods = direct["resources"]["comments"]["methods"]
    assert {m["path"] for m in methods.values()} == {
        "v1alpha1/comments:analyze",
        "v1alpha1/comments:suggestscore",
    }
    unknown = await fetch(runtime, "127.0.0.1", "/$discovery/rest?version=v2")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["status"] == "NOT_FOUND"
