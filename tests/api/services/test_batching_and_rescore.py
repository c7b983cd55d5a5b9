"""Concurrent comments share forward passes; rescore re-judges undecided comments."""

from __future__ import annotations

import asyncio

from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api
from tests.support.scenes import BrokenScorer, rescore
from tests.support.servers import free_port

REASONS = "query($id: ID!) { comment(id: $id) { status language moderation { model reasons { code } history { status reason moderator { id } } } } }"


async def test_concurrent_comments_are_scored_in_few_batches(api: Api) -> None:
    api.runtime.settings.scorer_max_wait_ms = 50
    api.runtime.use_scorer(api.runtime.scorer)  # rebuild the batcher with the new wait
    article = await api.create_article()
    bodies = [f"Comment number {i} about the bridge." for i in range(24)] + ["fuck you all"] * 6
    tokens = [api.token(f"user{i}") for i in range(len(bodies))]
    results = await asyncio.gather(
        *(
            api.comment(article["id"], body, as_=token)
            for body, token in zip(bodies, tokens, strict=True)
        )
    )
    stats = api.runtime.scoring.stats
    assert stats.requests == len(bodies) == stats.texts
    assert stats.batches < len(bodies) / 2, stats
    assert stats.largest_batch > 1
    assert [r["status"] for r in results] == ["APPROVED"] * 24 + ["PENDING"] * 6
    count = await api.data('{ article(slug: "a-story") { commentCount } }')
    assert count["article"]["commentCount"] == 24


async def test_language_is_stored(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(
        article["id"], "This is a thoughtful comment on the bridge repairs.", as_=api.token("ann")
    )
    data = await api.data(REASONS, {"id": comment["id"]})
    assert data["comment"]["language"] == "en"


async def test_rescore_rejudges_only_undecided_comments(api: Api) -> None:
    # Comments stored while the scorer was down are held with SCORER_UNAVAILABLE.
    working = api.runtime.scorer
    api.runtime.use_scorer(LoadedScorer(BrokenScorer(), "test"))
    article = await api.create_article()
    other = await api.create_article("other")
    ann = api.token("ann")
    clean = await api.comment(article["id"], "A kind and thoughtful remark.", as_=ann)
    toxic = await api.comment(article["id"], "fuck you, idiot", as_=ann)
    decided = await api.comment(article["id"], "Another kind remark.", as_=ann)
    elsewhere = await api.comment(other["id"], "A kind remark elsewhere.", as_=ann)
    assert {c["status"] for c in (clean, toxic, decided, elsewhere)} == {"PENDING"}
    mo = api.token("mo", "moderator")
    await api.data(
        "mutation($i: ModerateCommentInput!) { rejectComment(input: $i) { comment { id } } }",
        {"i": {"commentId": decided["id"]}},
        as_=mo,
    )
    api.runtime.use_scorer(working)

    result = rescore(api, "--status", "PENDING", "--article", "a-story")
    assert result.returncode == 0, result.stderr
    assert "examined 2 comment(s) with linear: 1 changed status" in result.stdout

    rescored = (await api.data(REASONS, {"id": clean["id"]}, as_=mo))["comment"]
    assert rescored["status"] == "APPROVED"
    assert rescored["moderation"]["model"].startswith("linear@")
    assert rescored["moderation"]["reasons"] == []
    assert rescored["moderation"]["history"][-1] == {
        "status": "APPROVED",
        "reason": rescored["moderation"]["model"].join(["rescored by ", ""]),
        "moderator": None,
    }
    still_held = (await api.data(REASONS, {"id": toxic["id"]}, as_=mo))["comment"]
    assert still_held["status"] == "PENDING"
    assert [r["code"] for r in still_held["moderation"]["reasons"]] == ["TOXICITY"]
    # The moderator's decision and the other article are untouched.
    assert (await api.data(REASONS, {"id": decided["id"]}, as_=mo))["comment"][
        "status"
    ] == "REJECTED"
    assert (await api.data(REASONS, {"id": elsewhere["id"]}, as_=mo))["comment"][
        "status"
    ] == "PENDING"
    count = await api.data('{ article(slug: "a-story") { commentCount } }')
    assert count["article"]["commentCount"] == 1

    unknown = rescore(api, "--article", "no-such-article")
    assert unknown.returncode == 1 and "no-such-article" in unknown.stderr


async def test_rescore_never_changes_a_status_because_the_scorer_failed(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    published = [
        await api.comment(article["id"], f"A civil remark {i}.", as_=ann) for i in range(3)
    ]
    assert {c["status"] for c in published} == {"APPROVED"}
    # A scorer that cannot answer (nothing listens there): every comment fails twice.
    result = rescore(
        api, "--status", "APPROVED", scorer=f"perspective:http://127.0.0.1:{free_port()}"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 changed status" in result.stdout
    assert "3 not rescored (the scorer failed" in result.stdout
    assert "run rescore again" in result.stderr
    mo = api.token("mo", "moderator")
    for comment in published:
        stored = (await api.data(REASONS, {"id": comment["id"]}, as_=mo))["comment"]
        assert stored["status"] == "APPROVED"
        assert stored["moderation"]["reasons"] == []
    count = await api.data('{ article(slug: "a-story") { commentCount } }')
    assert count["article"]["commentCount"] == 3
