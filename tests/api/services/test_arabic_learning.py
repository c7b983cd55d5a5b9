"""Moderators' decisions on Arabic comments retrain the Arabic scorer (and only it), under
the learned scorer's guard; the server then scores with the new version."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.http.config import Config
from api.services.learn import for_main_scorer
from api.services.learn_languages import learn_arabic
from moderation.learning.examples import Example
from moderation.scorers.registry import LoadedScorer, ScorerOptions, load_routed
from tests.support.client import Api, make_settings

DECIDE = """mutation($i: ModerateCommentInput!) { %s(input: $i) { comment { status } } }"""
MODEL = "query($id: ID!) { comment(id: $id) { moderation { model } } }"


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def settings(database_url: str, models_dir: Path) -> Config:
    return make_settings(database_url, models_dir=models_dir)


@pytest.fixture
def scorer(models_dir: Path) -> LoadedScorer:
    return load_routed(ScorerOptions(name="linear", models_dir=models_dir))


async def test_arabic_decisions_train_the_arabic_scorer(api: Api, models_dir: Path) -> None:
    article = await api.create_article()
    moderator = api.token("mo", "moderator")
    decisions = [
        # A dialect insult the cold-start set never saw, rejected; civil comments approved.
        ("شو هالخنزير اللي كاتب هالمقال", "rejectComment", "insult"),
        ("انت خنزير ابن خنزير", "rejectComment", "insult"),
        ("مقال منيح بس ناقصو أرقام", "approveComment", None),
        ("يعطيكن العافية على المتابعة", "approveComment", None),
        ("An English comment, decided too.", "rejectComment", "insult"),
    ]
    before = {}
    for body, mutation, reason in decisions:
        comment = await api.comment(article["id"], body, as_=api.token("reader"))
        model = (await api.data(MODEL, {"id": comment["id"]}, as_=moderator))["comment"]
        before[body] = model["moderation"]["model"]
        await api.data(
            DECIDE % mutation,
            {"i": {"commentId": comment["id"], "version": comment["version"], "reason": reason}},
            as_=moderator,
        )
    packaged = before[decisions[0][0]]
    assert packaged.startswith("arabic@")

    result = await learn_arabic(api.runtime)
    assert result is not None
    # Only the Arabic decisions: the English one trains the main scorer instead.
    assert result.site_train + result.site_holdout == 4
    assert result.activated, result.why
    assert (models_dir / "arabic" / "active").read_text().strip() == result.version
    assert (models_dir / "arabic" / result.version / "weights.npy").exists()

    # The server follows the new active version, and scores with it from now on.
    assert api.runtime.refresh_learned()
    later = await api.comment(article["id"], "يا خنزير", as_=api.token("reader"))
    seen = (await api.data(MODEL, {"id": later["id"]}, as_=moderator))["comment"]
    assert seen["moderation"]["model"] == f"arabic@{result.version}" != packaged

    # The same decisions again: nothing new to learn, and the active version stays.
    again = await learn_arabic(api.runtime)
    assert again is not None and not again.activated and "same model" in again.why


def test_the_main_scorer_learns_from_the_other_languages(settings: Config) -> None:
    from api.runtime import Runtime

    runtime = Runtime(settings)
    examples = [
        Example("يا حمار", {"toxicity": 1}),
        Example("ya 7mar", {"toxicity": 1}),
        Example("You are a fool", {"toxicity": 1}),
        Example("ok", {"toxicity": 0}),
    ]
    assert [e.text for e in for_main_scorer(examples, runtime)] == ["You are a fool", "ok"]
