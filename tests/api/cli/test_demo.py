"""`commentmod serve --demo`: threads to read and real work in every moderation queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.http.auth import Identity, Role, issue_token
from api.services.demo_content import COMMENTS
from tests.support.servers import Server, start_server

SECRET = "demo-test-secret-" + "x" * 48
# THREADS reads every demo thread in one query, three levels deep: about 22,000 objects
# by the cost model, above COMMENTMOD_MAX_QUERY_COST's default (no client does this).
ENV = {
    "COMMENTMOD_SCORER": "linear",
    "COMMENTMOD_JWT_SECRET": SECRET,
    "COMMENTMOD_MAX_QUERY_COST": "30000",
}
QUEUE = """query($q: ModerationQueue!) { moderationQueue(queue: $q, first: 50) {
  edges { node { body status author { id } moderation { reasons { code } reports { reason } } } } } }"""
COUNTS = "{ moderationQueueCounts { pending reported rejected approved } }"
REPLIES = "replies(first: 10) { edges { node { body %s } } }"
THREADS = """{ articles(first: 10) { edges { node { slug commentCount comments(first: 20) {
  edges { node { body %s } } } } } } }""" % (REPLIES % (REPLIES % ""))


def gql(server: Server, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    moderator = Identity(user_id="mo", name="Mo", role=Role.MODERATOR)
    response = httpx.post(
        f"{server.base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {issue_token(SECRET, moderator, 600)}"},
        timeout=30,
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def reasons(server: Server, queue: str) -> list[set[str]]:
    edges = gql(server, QUEUE, {"q": queue})["moderationQueue"]["edges"]
    return [{r["code"] for r in edge["node"]["moderation"]["reasons"]} for edge in edges]


def arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def test_demo_fills_threads_and_queues_once(tmp_path: Path) -> None:
    env = ENV
    server = start_server(tmp_path, env, "--demo")
    try:
        # Each held comment is held for its own reason, all genuine pipeline decisions.
        pending = reasons(server, "PENDING")
        assert {"LINKS"} <= set().union(*pending)
        for code in ("LINKS", "SUSPECT_WORD", "USER_PREMODERATED"):
            assert any(code in held for held in pending), (code, pending)
        assert any("BANNED_WORD" in rejected for rejected in reasons(server, "REJECTED"))
        reported = gql(server, QUEUE, {"q": "REPORTED"})["moderationQueue"]["edges"]
        assert [
            [r["reason"] for r in edge["node"]["moderation"]["reports"]] for edge in reported
        ] == [["OFFENSIVE"]]
        counts = gql(server, COUNTS)["moderationQueueCounts"]

        # Readers see threads with replies, in English and in Arabic, and no held comment.
        articles = [edge["node"] for edge in gql(server, THREADS)["articles"]["edges"]]

        def texts(node: dict[str, Any]) -> list[str]:
            replies = node.get("replies", {"edges": []})["edges"]
            return [node["body"], *(t for reply in replies for t in texts(reply["node"]))]

        bodies = [t for a in articles for top in a["comments"]["edges"] for t in texts(top["node"])]
        assert sum(len(a["comments"]["edges"]) for a in articles) >= 3
        assert any(
            top["node"]["replies"]["edges"] for a in articles for top in a["comments"]["edges"]
        )
        assert any(arabic(text) for text in bodies) and any(not arabic(t) for t in bodies)
        held_texts = {c.body for c in COMMENTS if not c.publish}
        assert held_texts.isdisjoint(bodies)
        assert counts["approved"] == len(bodies) == len(COMMENTS) - len(held_texts)
    finally:
        server.stop()

    # Again on the same database: nothing is added twice.
    again = start_server(tmp_path, env, "--demo")
    try:
        assert gql(again, COUNTS)["moderationQueueCounts"] == counts
        assert "demo: added 0 articles, 0 comments" in again.output()
    finally:
        again.stop()


def test_demo_stays_out_of_a_database_with_other_articles(tmp_path: Path) -> None:
    env = ENV
    server = start_server(tmp_path, env)
    try:
        admin = issue_token(SECRET, Identity(user_id="ad", name="Ad", role=Role.ADMIN), 600)
        httpx.post(
            f"{server.base}/graphql",
            json={
                "query": 'mutation { upsertArticle(input: {slug: "real", title: "Real", body: "News."}) { article { id } } }'
            },
            headers={"Authorization": f"Bearer {admin}"},
        ).raise_for_status()
    finally:
        server.stop()
    again = start_server(tmp_path, env, "--demo")
    try:
        slugs = [e["node"]["slug"] for e in gql(again, THREADS)["articles"]["edges"]]
        assert slugs == ["real"]
        assert gql(again, COUNTS)["moderationQueueCounts"]["pending"] == 0
    finally:
        again.stop()
