"""When things break: the scorer fails closed, unexpected errors leak nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from api.graphql import query as query_module
from models.database import Database
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api
from tests.support.scenes import BrokenScorer


class SlowScorer(BrokenScorer):
    name = "slow"

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        await asyncio.sleep(5)
        return [{"toxicity": 0.0} for _ in texts]


REASONS = "query($id: ID!) { comment(id: $id) { status moderation { reasons { code detail } } } }"


@pytest.mark.parametrize("broken", [BrokenScorer(), SlowScorer()], ids=["exception", "timeout"])
async def test_scorer_failure_holds_the_comment_instead_of_losing_it(
    api: Api, broken: BrokenScorer
) -> None:
    api.runtime.use_scorer(LoadedScorer(broken, "test"))
    api.runtime.settings.scorer_timeout = 0.2
    article = await api.create_article()
    comment = await api.comment(article["id"], "A perfectly nice comment.", as_=api.token("ann"))
    assert comment["status"] == "PENDING"
    data = await api.data(REASONS, {"id": comment["id"]}, as_=api.token("mo", "moderator"))
    (reason,) = data["comment"]["moderation"]["reasons"]
    assert reason["code"] == "SCORER_UNAVAILABLE"
    assert broken.name in reason["detail"]
    # Counted, and shown where operators look.
    health = (await api.http.get("/healthz")).json()
    assert health["scorer"]["unavailable"] == 1


async def test_unexpected_errors_are_masked_with_a_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(query_module.articles, "list_articles", explode)
    response = await api.post("{ articles { totalCount } }")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "SELECT" not in response.text and "Traceback" not in response.text


async def test_database_down_is_unavailable(api: Api, tmp_path: Path) -> None:
    await api.runtime.db.dispose()
    # A directory cannot be opened as a database: every connection attempt now fails.
    api.runtime.db = Database(f"sqlite+aiosqlite:///{tmp_path}")
    response = await api.post("{ articles { totalCount } }")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    health = await api.http.get("/healthz")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"
