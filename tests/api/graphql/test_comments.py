"""Posting comments and replies, and what each viewer sees of them."""

from __future__ import annotations

from tests.support.client import Api
from tests.support.constants import CLEAN, TOXIC

THREAD = """
query($slug: String!) {
  article(slug: $slug) {
    commentCount
    comments(first: 10) {
      totalCount
      edges { node { id body status replyCount parent { id }
        replies(first: 10) { totalCount edges { node { id body parent { id } } } } } }
    }
  }
}"""


async def test_clean_comment_is_published_and_listed(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    comment = await api.comment(article["id"], CLEAN, as_=ann)
    assert comment["status"] == "APPROVED"
    assert comment["body"] == CLEAN

    data = await api.data(THREAD, {"slug": "a-story"})
    assert data["article"]["commentCount"] == 1
    edges = data["article"]["comments"]["edges"]
    assert [e["node"]["id"] for e in edges] == [comment["id"]]


async def test_toxic_comment_is_held_with_reason_and_hidden_from_readers(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    held = await api.comment(article["id"], TOXIC, as_=ann)
    assert held["status"] == "PENDING"

    data = await api.data(THREAD, {"slug": "a-story"})
    assert data["article"]["commentCount"] == 0
    assert data["article"]["comments"]["edges"] == []

    query = (
        "query($id: ID!) { comment(id: $id) { id status moderation { reasons { code detail } } } }"
    )
    # Anonymous readers and other commenters get null; the author sees it, without moderation.
    assert (await api.data(query, {"id": held["id"]}))["comment"] is None
    assert (await api.data(query, {"id": held["id"]}, as_=api.token("bob")))["comment"] is None
    own = (await api.data(query, {"id": held["id"]}, as_=ann))["comment"]
    assert own["status"] == "PENDING" and own["moderation"] is None
    # Moderators see why it was held.
    mod = (await api.data(query, {"id": held["id"]}, as_=api.token("mo", "moderator")))["comment"]
    reasons = mod["moderation"]["reasons"]
    assert [r["code"] for r in reasons] == ["TOXICITY"]
    assert reasons[0]["detail"].startswith("toxicity ")


async def test_scores_model_and_system_history_are_stored(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    data = await api.data(
        """query($id: ID!) { comment(id: $id) { moderation {
             model scores { label score } history { status moderator { id } reason } } } }""",
        {"id": comment["id"]},
        as_=api.token("mo", "moderator"),
    )
    moderation = data["comment"]["moderation"]
    assert moderation["model"].startswith("linear@alt-profanity-check-")
    (score,) = moderation["scores"]
    assert score["label"] == "toxicity" and 0.0 <= score["score"] < 0.8
    assert moderation["history"] == [{"status": "APPROVED", "moderator": None, "reason": None}]


async def test_replies_nest_to_any_depth_and_count(api: Api) -> None:
    article = await api.create_article()
    ann, bob = api.token("ann"), api.token("bob")
    top = await api.comment(article["id"], "Top-level thought.", as_=ann)
    reply = await api.comment(article["id"], "A reply.", as_=bob, parent_id=top["id"])
    deeper = await api.comment(
        article["id"], "A reply to the reply.", as_=ann, parent_id=reply["id"]
    )

    data = await api.data(THREAD, {"slug": "a-story"})
    assert data["article"]["commentCount"] == 3
    (edge,) = data["article"]["comments"]["edges"]
    node = edge["node"]
    assert node["id"] == top["id"] and node["replyCount"] == 1 and node["parent"] is None
    (child,) = node["replies"]["edges"]
    assert child["node"]["id"] == reply["id"]
    assert child["node"]["parent"]["id"] == top["id"]

    grandchild = await api.data(
        "query($id: ID!) { comment(id: $id) { replies { edges { node { id parent { id } } } } } }",
        {"id": reply["id"]},
    )
    (g,) = grandchild["comment"]["replies"]["edges"]
    assert g["node"] == {"id": deeper["id"], "parent": {"id": reply["id"]}}


async def test_body_is_stored_exactly_as_sent(api: Api) -> None:
    article = await api.create_article()
    body = "  <b>not bold</b> & <script>alert(1)</script>\n  مرحبا  "
    comment = await api.comment(article["id"], body, as_=api.token("ann"))
    fetched = await api.data("query($id: ID!) { comment(id: $id) { body } }", {"id": comment["id"]})
    assert fetched["comment"]["body"] == body


async def test_author_fields_and_viewer(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann", name="Ann Example")
    comment = await api.comment(article["id"], CLEAN, as_=ann)
    data = await api.data(
        "query($id: ID!) { comment(id: $id) { author { id name role } } viewer { id name role } }",
        {"id": comment["id"]},
        as_=ann,
    )
    expected = {"id": "ann", "name": "Ann Example", "role": "COMMENTER"}
    assert data["comment"]["author"] == expected
    assert data["viewer"] == expected
    assert (await api.data("{ viewer { id } }"))["viewer"] is None


async def test_client_mutation_id_makes_retries_return_the_same_comment(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    mutation = """mutation($i: AddCommentInput!) {
        addComment(input: $i) { clientMutationId comment { id } } }"""
    variables = {"i": {"articleId": article["id"], "body": CLEAN, "clientMutationId": "m-1"}}
    first = await api.data(mutation, variables, as_=ann)
    again = await api.data(mutation, variables, as_=ann)
    assert first == again
    assert first["addComment"]["clientMutationId"] == "m-1"
    thread = await api.data(THREAD, {"slug": "a-story"})
    assert thread["article"]["commentCount"] == 1
