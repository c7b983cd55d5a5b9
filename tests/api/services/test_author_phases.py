"""Repeat posts and new commenters, end to end: the service gathers the author's facts."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models.tables import Comment
from tests.support.client import Api
from tests.support.scenes import reasons, rescore


async def test_the_same_text_twice_within_six_minutes_is_held(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    first = await api.comment(
        article["id"], "The new bridge looks lovely in the evening light!", as_=ann
    )
    assert first["status"] == "APPROVED"
    again = await api.comment(
        article["id"], "the NEW bridge looks lovely in the evening   light", as_=ann
    )
    assert again["status"] == "PENDING"
    assert await reasons(api, again["id"]) == ["REPEAT_POST"]
    # Someone else saying the same thing is not a repeat.
    assert (
        await api.comment(
            article["id"], "The new bridge looks lovely in the evening light!", as_=api.token("bob")
        )
    )["status"] == "APPROVED"

    # Seven minutes later it is no longer a repeat.
    async with api.runtime.db.write() as session:
        for comment in await session.exec(select(Comment).where(Comment.author_id == "ann")):
            comment.created_at -= timedelta(minutes=7)
    assert (
        await api.comment(
            article["id"], "The new bridge looks lovely in the evening light!", as_=ann
        )
    )["status"] == "APPROVED"


async def test_rescore_keeps_holds_that_judged_the_author(api: Api) -> None:
    article = await api.create_article()
    ann, mod = api.token("ann"), api.token("mo", "moderator")
    await api.comment(article["id"], "The new bridge looks lovely at dusk.", as_=ann)
    repeat = await api.comment(article["id"], "The new bridge looks lovely at dusk", as_=ann)
    await api.comment(article["id"], "A first remark from Pat.", as_=api.token("pat"))
    await api.data(
        'mutation { setUserPremoderation(input: {userId: "pat", enabled: true}) { user { id } } }',
        as_=mod,
    )
    held = await api.comment(article["id"], "A second remark from Pat.", as_=api.token("pat"))
    assert (repeat["status"], held["status"]) == ("PENDING", "PENDING")

    result = rescore(api, "--status", "PENDING")
    assert result.returncode == 0, result.stderr
    assert "examined 2 comment(s)" in result.stdout
    assert await reasons(api, repeat["id"]) == ["REPEAT_POST"]
    assert await reasons(api, held["id"]) == ["USER_PREMODERATED"]
