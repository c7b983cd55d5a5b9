"""A held comment stays in its thread for its author, and for nobody else."""

from __future__ import annotations

from typing import Any

from tests.support.client import Api

TOXIC = "fuck you, you stupid idiot"
THREAD = """query($slug: String!, $first: Int, $after: String) { article(slug: $slug) {
  comments(first: $first, after: $after, orderBy: OLDEST_FIRST) {
    edges { node { body status replies(first: 5) { edges { node { body status } } } } }
    pageInfo { hasNextPage endCursor } } } }"""
# Several articles at once: their threads are read in one query per page size.
ARTICLES = """{ articles(first: 10) { edges { node { slug
  comments(first: 10, orderBy: OLDEST_FIRST) { edges { node { body
    replies(first: 5) { edges { node { body } } } } } } } } } }"""


def tree(data: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (
            node["body"],
            node["status"],
            [
                (reply["node"]["body"], reply["node"]["status"])
                for reply in node["replies"]["edges"]
            ],
        )
        for node in (edge["node"] for edge in data["article"]["comments"]["edges"])
    ]


async def scene(api: Api, slug: str) -> dict[str, Any]:
    article = await api.create_article(slug)
    ann, bob = api.token("ann"), api.token("bob")
    # Distinct texts per article: the same text twice would be held as a repeat post.
    await api.comment(article["id"], f"A civil first word on {slug}.", as_=ann)
    held = await api.comment(article["id"], TOXIC, as_=ann)
    assert held["status"] == "PENDING"
    other = await api.comment(article["id"], f"Bob agrees about {slug}.", as_=bob)
    reply = await api.comment(article["id"], TOXIC, as_=ann, parent_id=other["id"])
    assert reply["status"] == "PENDING"
    return article


async def test_the_author_sees_their_held_comments_in_the_thread(api: Api) -> None:
    await scene(api, "held")
    mine = tree(await api.data(THREAD, {"slug": "held", "first": 10}, as_=api.token("ann")))
    assert mine == [
        ("A civil first word on held.", "APPROVED", []),
        (TOXIC, "PENDING", []),
        ("Bob agrees about held.", "APPROVED", [(TOXIC, "PENDING")]),
    ]
    published = [
        ("A civil first word on held.", "APPROVED", []),
        ("Bob agrees about held.", "APPROVED", []),
    ]
    for viewer in (None, api.token("bob"), api.token("mo", "moderator")):
        assert tree(await api.data(THREAD, {"slug": "held", "first": 10}, as_=viewer)) == published


async def test_pages_of_the_authors_thread_hold_every_comment_once(api: Api) -> None:
    await scene(api, "paged")
    ann = api.token("ann")
    seen: list[str] = []
    after = None
    while True:
        data = await api.data(THREAD, {"slug": "paged", "first": 1, "after": after}, as_=ann)
        connection = data["article"]["comments"]
        seen += [edge["node"]["body"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == ["A civil first word on paged.", TOXIC, "Bob agrees about paged."]


async def test_several_threads_in_one_query_show_only_the_viewers_own(api: Api) -> None:
    await scene(api, "one")
    await scene(api, "two")
    carl = api.token("carl")
    await api.comment((await api.create_article("two"))["id"], TOXIC, as_=carl)

    def threads(data: dict[str, Any]) -> dict[str, list[tuple[str, list[str]]]]:
        return {
            edge["node"]["slug"]: [
                (c["node"]["body"], [r["node"]["body"] for r in c["node"]["replies"]["edges"]])
                for c in edge["node"]["comments"]["edges"]
            ]
            for edge in data["articles"]["edges"]
        }

    ann_sees = threads(await api.data(ARTICLES, as_=api.token("ann")))
    carl_sees = threads(await api.data(ARTICLES, as_=carl))
    for slug in ("one", "two"):
        first, agree = f"A civil first word on {slug}.", f"Bob agrees about {slug}."
        assert ann_sees[slug] == [(first, []), (TOXIC, []), (agree, [TOXIC])]
    assert carl_sees["one"] == [("A civil first word on one.", []), ("Bob agrees about one.", [])]
    assert carl_sees["two"] == [
        ("A civil first word on two.", []),
        ("Bob agrees about two.", []),
        (TOXIC, []),
    ]
