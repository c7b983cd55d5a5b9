"""Arabic end to end: comments routed to the Arabic scorer through GraphQL over HTTP,
the Perspective endpoint with `languages: ["ar"]`, and a real `commentmod serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.auth import Identity, Role, issue_token
from moderation.scorers.registry import LoadedScorer, load_routed
from tests.support.client import Api
from tests.support.perspective import analyze, make_key
from tests.support.servers import clean_env, serving

STATUS = """query($id: ID!) { comment(id: $id) { status language
  moderation { model scores { label score } reasons { code detail } } } }"""

# Short abuse: an insult, a threat, obscenity, sectarian hate; in Arabic script and Arabizi.
ABUSE = [
    "يا حمار",
    "انت كلب حقير",
    "رح اقتلك",
    "يلعن أبوك",
    "الله يلعن الشيعة كلهن",
    "ya 7mar",
    "yel3an abouk",
    "kess ekhtak",
    "ra7 e2tlak ya kalb",
]
NORMAL = [
    "شكراً على التقرير، من زمان ما حدا حكى عن الكهرباء",
    "الله يرحم الشهدا اللي راحوا بالقصف مبارح",
    "مقال ممتاز",
    "ma3kon 7a2, el kahraba sar moshkle kbire",
]


@pytest.fixture
def key(database_url: str) -> str:
    return make_key(database_url, "arabic")


@pytest.fixture(scope="session")
def routed() -> LoadedScorer:
    return load_routed("linear")


@pytest.fixture
def scorer(routed: LoadedScorer) -> LoadedScorer:
    return routed


async def _post(api: Api, article_id: str, body: str) -> dict[str, Any]:
    comment = await api.comment(article_id, body, as_=api.token("reader"))
    data = await api.data(STATUS, {"id": comment["id"]}, as_=api.token("mo", "moderator"))
    result: dict[str, Any] = data["comment"]
    return result


async def test_arabic_comments_go_to_the_arabic_scorer(api: Api) -> None:
    article = await api.create_article()
    for body in ABUSE:
        seen = await _post(api, article["id"], body)
        assert seen["status"] == "PENDING", (body, seen)
        assert seen["language"] == "ar"
        assert seen["moderation"]["model"].startswith("arabic@ngram-"), body
        assert any(r["code"] == "TOXICITY" for r in seen["moderation"]["reasons"]), body
    for body in NORMAL:
        seen = await _post(api, article["id"], body)
        assert seen["status"] == "APPROVED", (body, seen)
        assert seen["moderation"]["model"].startswith("arabic@"), body
    english = await _post(api, article["id"], "Thanks for covering the bridge story.")
    assert english["status"] == "APPROVED" and english["moderation"]["model"].startswith("linear@")


async def test_languages_no_scorer_covers_are_still_held_unscored(api: Api) -> None:
    article = await api.create_article()
    seen = await _post(
        api, article["id"], "Je pense que la mairie a tout à fait raison de rouvrir ce pont."
    )
    assert seen["status"] == "PENDING" and seen["language"] == "fr"
    assert seen["moderation"]["scores"] == []
    (reason,) = seen["moderation"]["reasons"]
    assert reason["code"] == "UNSUPPORTED_LANGUAGE" and "ar" in reason["detail"]


async def test_perspective_scores_arabic(api: Api, key: str) -> None:
    def body(text: str, languages: list[str] | None, *attributes: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "comment": {"text": text},
            "requestedAttributes": {a: {} for a in attributes or ("TOXICITY",)},
        }
        if languages is not None:
            request["languages"] = languages
        return request

    def value(response: httpx.Response, attribute: str = "TOXICITY") -> float:
        assert response.status_code == 200, response.text
        score: float = response.json()["attributeScores"][attribute]["summaryScore"]["value"]
        return score

    abuse = await analyze(api, body("يلعن أبوك يا حمار", ["ar"]), key)
    civil = await analyze(api, body("شكراً على هذا التقرير المفصل", ["ar"]), key)
    assert value(abuse) >= 0.8 > value(civil)
    assert abuse.json()["languages"] == ["ar"] and abuse.json()["detectedLanguages"] == ["ar"]
    # Unasked, the language is detected, Arabizi included; the Arabic model has more labels.
    asked = ("TOXICITY", "THREAT", "INSULT")
    arabizi = await analyze(api, body("ya 7mar ra7 e2tlak", None, *asked), key)
    assert arabizi.json()["detectedLanguages"] == ["ar"] and value(arabizi) >= 0.8
    assert all(0 <= value(arabizi, attribute) <= 1 for attribute in asked)
    # Regional tags are matched by their language; what no scorer covers is refused.
    assert value(await analyze(api, body("يا كلب", ["ar-LB"]), key)) >= 0.8
    refused = await analyze(api, body("Hallo zusammen", ["de"]), key)
    assert refused.status_code == 400
    # The English model has no INSULT head: asked of English text, a clear 400.
    english = await analyze(api, body("You are a fool", ["en"], "INSULT"), key)
    assert english.status_code == 400 and "INSULT" in english.json()["error"]["message"]


def test_serve_never_publishes_short_arabic_abuse_through_the_english_model(
    tmp_path: Path,
) -> None:
    """`commentmod serve` as configured by default (the Arabic scorer beside the main one;
    the main one is linear here, to start fast): short Arabic and Arabizi abuse is held by
    the Arabic scorer, never scored (and published) by the English one."""
    secret = "arabic-test-secret-" + "x" * 48
    env = clean_env(COMMENTMOD_SCORER="linear", COMMENTMOD_JWT_SECRET=secret)
    token = issue_token(secret, Identity("ann", "Ann", Role.COMMENTER), 600)
    moderator = issue_token(secret, Identity("mo", "Mo", Role.MODERATOR), 600)
    with serving(tmp_path, env, "--demo") as server:
        health = httpx.get(f"{server.base}/healthz").json()
        assert health["scorer"]["byLanguage"]["ar"].startswith("arabic@")

        def gql(query: str, variables: dict[str, Any], bearer: str) -> dict[str, Any]:
            response = httpx.post(
                f"{server.base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {bearer}"},
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            return body["data"]

        articles = gql("{ articles { edges { node { id } } } }", {}, token)
        article_id = articles["articles"]["edges"][0]["node"]["id"]
        for text in ["يا حمار", "كس اختك", "ya 7mar", "yel3an dinak", "ya 3ars"]:
            added = gql(
                "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
                {"i": {"articleId": article_id, "body": text}},
                token,
            )
            seen = gql(STATUS, {"id": added["addComment"]["comment"]["id"]}, moderator)["comment"]
            assert seen["status"] == "PENDING", (text, seen)
            assert seen["moderation"]["model"].startswith("arabic@"), (text, seen)
