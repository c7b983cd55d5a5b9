"""Two processes: a scorer node, and an API node scoring through it with `perspective:`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.http.auth import Identity, Role, issue_token
from tests.support.servers import clean_env, commentmod, serving

SECRET = "remote-scorer-test-" + "s" * 48

UPSERT = 'mutation { upsertArticle(input: {slug: "bridge", title: "Bridge", body: "Open."}) { article { id } } }'
ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status body } } }"
QUEUE = """{ moderationQueue(queue: PENDING) { edges { node { id body status
             moderation { model scores { label score } reasons { code detail } } } } } }"""


def gql(base: str, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_api_node_scores_remotely_and_holds_comments_when_the_scorer_node_stops(
    tmp_path: Path,
) -> None:
    scorer_dir, api_dir = tmp_path / "scorer", tmp_path / "api"
    scorer_dir.mkdir()
    api_dir.mkdir()
    scorer_env = clean_env(COMMENTMOD_SCORER="linear")
    key = commentmod(scorer_dir, scorer_env, "apikey", "create", "--name", "api-node")
    with serving(scorer_dir, scorer_env) as scorer_node:
        remote = f"perspective:{scorer_node.base}/v1alpha1"
        api_env = clean_env(
            COMMENTMOD_SCORER=remote,
            COMMENTMOD_SCORER_KEY=key,
            COMMENTMOD_SCORER_TIMEOUT="1",
            COMMENTMOD_JWT_SECRET=SECRET,
        )
        writer = issue_token(SECRET, Identity("ann", "Ann", Role.COMMENTER), 600)
        mod = issue_token(SECRET, Identity("mo", "Mo", Role.MODERATOR), 600)
        admin = issue_token(SECRET, Identity("ad", "Ad", Role.ADMIN), 600)
        with serving(api_dir, api_env) as api_node:
            base = api_node.base
            assert httpx.get(f"{base}/healthz").json()["scorer"]["name"] == remote
            # Not --demo: its comments would go through the scorer node too.
            article = gql(base, admin, UPSERT)["upsertArticle"]["article"]
            article_id = article["id"]

            def add(body: str) -> Any:
                data = gql(base, writer, ADD, {"i": {"articleId": article_id, "body": body}})
                return data["addComment"]["comment"]

            assert add("Good to see the bridge open again.")["status"] == "APPROVED"
            rude = add("shut up you stupid moron")
            assert rude["status"] == "PENDING"
            # The scorer node did the scoring.
            assert httpx.get(f"{scorer_node.base}/healthz").json()["scorer"]["requests"] == 2

            scorer_node.stop()
            held = add("A perfectly nice comment, written while the scorer is down.")
            assert held["status"] == "PENDING"
            queue = gql(base, mod, QUEUE)["moderationQueue"]["edges"]
            by_id = {edge["node"]["id"]: edge["node"] for edge in queue}
            assert set(by_id) == {rude["id"], held["id"]}
            kept = by_id[held["id"]]
            assert kept["body"] == "A perfectly nice comment, written while the scorer is down."
            (reason,) = kept["moderation"]["reasons"]
            assert reason["code"] == "SCORER_UNAVAILABLE" and remote in reason["detail"]
            assert kept["moderation"]["scores"] == []
            (score,) = by_id[rude["id"]]["moderation"]["scores"]
            assert score["label"] == "toxicity" and score["score"] > 0.8
            assert by_id[rude["id"]]["moderation"]["model"].startswith(remote)
