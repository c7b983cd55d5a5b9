"""New commenters: with COMMENTMOD_NEW_COMMENTER_HOLD=N, a user's first N comments are held."""

from __future__ import annotations

import pytest

from api.http.config import Config
from tests.support.client import Api, make_settings
from tests.support.scenes import reasons


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(database_url, new_commenter_hold=2)


async def test_new_commenters_first_comments_are_held(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    statuses = [
        (await api.comment(article["id"], f"Thoughtful remark number {i}.", as_=ann))
        for i in range(3)
    ]
    assert [c["status"] for c in statuses] == ["PENDING", "PENDING", "APPROVED"]
    assert await reasons(api, statuses[0]["id"]) == ["NEW_COMMENTER"]
