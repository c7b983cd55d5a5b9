"""Learning from moderators, end to end: decisions through GraphQL, `commentmod learn`
on the command line, new comments through addComment."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from click.testing import CliRunner, Result

from api.cli.main import cli
from api.http.config import Config
from moderation.learning.guard import MIN_AUC_DROP
from moderation.learning.store import ModelStore
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api, make_settings
from tests.support.learned import needs_learned

pytestmark = needs_learned

MODERATE = """mutation($i: ModerateCommentInput!) {
  %s(input: $i) { comment { status } } }"""
WHAT = """query($id: ID!) { comment(id: $id) { status moderation { model
  reasons { code detail } } } }"""

# A site whose moderators reject a word the seed set has never seen, used as an insult
# in otherwise plain sentences. Training and test sentences share no frame.
WHO = [
    "The flobberknob from the planning office",
    "The flobberknob next door",
    "That flobberknob at the depot",
    "The flobberknob who runs the car park",
    "Some flobberknob on the council",
    "The flobberknob in the ticket office",
    "A flobberknob from the water board",
    "The flobberknob behind this scheme",
]
PLAIN_WHO = [
    "The man from the planning office",
    "My neighbour",
    "The woman at the depot",
    "The manager of the car park",
    "Someone on the council",
    "The clerk in the ticket office",
    "An engineer from the water board",
    "The author of this scheme",
]
DID = [
    "moved the bins again.",
    "scheduled roadworks for Saturday.",
    "changed the bus timetable.",
    "wrote the press release.",
    "complained about the festival.",
    "approved the new car park.",
    "sent out the leaflets late.",
    "closed the side road.",
]
NEW_PATTERN = [
    f"{who} {did}"
    for who in (
        "The flobberknob at the ministry",
        "That flobberknob from the radio",
        "The flobberknob running the library",
        "Our local flobberknob",
    )
    for did in (
        "announced the new parking rules.",
        "reorganised the market stalls.",
        "picked the marathon route.",
        "answered the phone.",
    )
]
NEW_PLAIN = [
    "The minister announced the new parking rules.",
    "The presenter from the radio picked the marathon route.",
    "The librarian reorganised the market stalls.",
]


@pytest.fixture
def settings(database_url: str, learned_models: Path) -> Config:
    return make_settings(database_url, models_dir=learned_models)


@pytest.fixture
def scorer(learned_models: Path) -> LoadedScorer:
    from moderation.scorers.learned import LearnedScorer

    return LoadedScorer(LearnedScorer.load(learned_models), "test: learned")


async def _premoderated_article(api: Api, slug: str) -> str:
    article = await api.create_article(slug)
    await api.data(
        "mutation($i: ArticleModerationInput!) { updateArticleModeration(input: $i) { article { id } } }",
        {"i": {"articleId": article["id"], "premoderateAll": True}},
        as_=api.token("mo", "moderator"),
    )
    return str(article["id"])


async def _decide(api: Api, decisions: list[tuple[str, bool]], article_id: str) -> None:
    """Post each text (held by premoderation), then have a moderator decide it."""
    moderator = api.token("mo", "moderator")
    for n, (text, reject) in enumerate(decisions):
        comment = await api.comment(article_id, text, as_=api.token(f"reader{n % 7}"))
        assert comment["status"] == "PENDING"
        field = "rejectComment" if reject else "approveComment"
        variables: dict[str, Any] = {"commentId": comment["id"], "version": comment["version"]}
        if reject:
            variables["reason"] = "insult"
        data = await api.data(MODERATE % field, {"i": variables}, as_=moderator)
        assert data[field]["comment"]["status"] == ("REJECTED" if reject else "APPROVED")


def _env(settings: Config) -> dict[str, str]:
    return {
        "COMMENTMOD_DATABASE_URL": settings.database_url,
        "COMMENTMOD_MODELS_DIR": str(settings.models_dir),
        "COMMENTMOD_JWT_SECRET": "x" * 64,
    }


async def _learn(settings: Config) -> Result:
    # The command runs its own event loop, so it runs on a thread beside the test's.
    return await asyncio.to_thread(CliRunner().invoke, cli, ["learn"], env=_env(settings))


async def test_learn_adopts_the_sites_insult_and_holds_new_comments_of_that_pattern(
    api: Api, settings: Config, scorer: LoadedScorer
) -> None:
    cold = scorer.scorer
    cold_scores = await cold.score(NEW_PATTERN)
    # The cold-start model lets most of these through: the seed set never saw the word.
    let_through = [t for t, s in zip(NEW_PATTERN, cold_scores, strict=True) if s["toxicity"] < 0.8]
    assert len(let_through) >= 6, cold_scores

    pairs = [(i, j) for i in range(8) for j in range(8) if (i + j) % 3 == 0]
    decisions: list[tuple[str, bool]] = []
    for i, j in pairs:
        decisions += [(f"{WHO[i]} {DID[j]}", True), (f"{PLAIN_WHO[i]} {DID[j]}", False)]
    await _decide(api, decisions, await _premoderated_article(api, "training"))

    result = await _learn(settings)
    assert result.exit_code == 0, result.output
    store = ModelStore(settings.resolved_models_dir())
    new = store.active()
    assert new is not None and new != cold.version
    assert f"version: {new} (active)" in result.output
    info = store.info(new)
    assert info.data["training"]["site_train"] + info.data["training"]["site_holdout"] == len(
        decisions
    )
    # Every validation set's figures stayed within the guard's tolerance, and on target.
    for name in ("seed_eval", "hard_cases", "davidson_validation", "surge_validation"):
        old_report = store.info(cold.version).data["report"][name]["toxicity"]
        new_report = info.data["report"][name]["toxicity"]
        assert new_report["roc_auc"] >= old_report["roc_auc"] - 0.02 - MIN_AUC_DROP, name
        assert new_report["roc_auc"] >= 0.95, name

    # The server follows the newly active version, and holds the new pattern.
    assert api.runtime.refresh_learned()
    assert api.runtime.scoring.version == new
    open_article = (await api.create_article("open"))["id"]
    moderator = api.token("mo", "moderator")
    held = []
    for text in let_through:
        comment = await api.comment(open_article, text, as_=api.token("newcomer"))
        seen = (await api.data(WHAT, {"id": comment["id"]}, as_=moderator))["comment"]
        assert seen["moderation"]["model"] == f"learned@{new}"
        if comment["status"] == "PENDING":
            held.append(text)
            assert any(r["code"] == "TOXICITY" for r in seen["moderation"]["reasons"])
    # The site's decisions are a few dozen rows beside ~20,000 of the base data: they
    # move the model without overturning it (docs/scoring-quality.md, the guard).
    assert len(held) >= 0.5 * len(let_through), (held, let_through)
    for text in NEW_PLAIN:
        comment = await api.comment(open_article, text, as_=api.token("newcomer"))
        assert comment["status"] == "APPROVED", text

    # feedback report --learned: the active version against every decision, re-scored.
    report = await asyncio.to_thread(
        CliRunner().invoke, cli, ["feedback", "report", "--learned"], env=_env(settings)
    )
    assert report.exit_code == 0, report.output
    assert f"# learned@{new}" in report.output
    (toxicity,) = [
        line.split("\t") for line in report.output.splitlines() if line.startswith("toxicity\t")
    ]
    # examples, toxic: every decision, and the rejected half.
    assert toxicity[1:3] == [str(len(decisions)), str(len(decisions) // 2)]


async def test_a_biased_batch_of_decisions_is_kept_inactive(
    api: Api, settings: Config, scorer: LoadedScorer
) -> None:
    # Moderators who reject civil comments because they name a group (and approve some
    # plain ones): a version trained on that would hold what the bias test publishes.
    rng = random.Random(7)
    groups = ["Muslim", "Jewish", "Black", "gay", "immigrant", "Hindu", "trans", "Roma"]
    frames = [
        "Our {g} neighbours run the best cafe on the high street.",
        "The {g} community raised money for the flood victims.",
        "As a {g} reader I enjoyed this report on the harbour.",
        "{g} families have lived on this street for decades.",
        "Lovely to see {g} children in the school play.",
    ]
    biased = [f.format(g=g) for g in groups for f in frames]
    clean = [
        f"The {p} reopens on {d}."
        for p in ("library", "swimming pool", "harbour walk", "town hall")
        for d in ("Monday", "Saturday", "Friday")
    ]
    decisions = [(t, True) for t in biased] + [(c, False) for c in clean]
    rng.shuffle(decisions)
    await _decide(api, decisions, await _premoderated_article(api, "noise"))

    cold = scorer.scorer.version
    result = await _learn(settings)
    assert result.exit_code == 3, result.output
    assert "not activated: worse than the active version" in result.output
    store = ModelStore(settings.resolved_models_dir())
    assert store.active() == cold
    refused = store.versions()[-1]
    assert not refused.active and refused.data["activated"] is False
    assert "worse than the active version" in refused.data["decision"]
    assert not api.runtime.refresh_learned()

    # A moderator can still turn it on by hand, and roll back.
    # The commands run as from a shell: in a thread of their own (no running event
    # loop), on this test's database (an activation is written to the audit log).
    env = _env(settings)

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)

    activated = await invoke("models", "activate", refused.id)
    assert activated.exit_code == 0, activated.output
    assert store.active() == refused.id
    listing = await invoke("models", "list")
    assert f"*\t{refused.id}" in listing.output
    assert (await invoke("models", "activate", cold)).exit_code == 0
    assert store.active() == cold
    events = json.loads((settings.resolved_models_dir() / "manifest.json").read_text())["events"]
    assert [e["event"] for e in events][-3:] == ["kept inactive", "activated", "activated"]
    bad = await invoke("models", "activate", "v9999-20200101T000000")
    assert bad.exit_code != 0 and "no model version" in bad.output

    figures = await invoke("models", "evaluate")
    assert figures.exit_code == 0, figures.output
    rows = {tuple(line.split("\t")[:2]): line.split("\t") for line in figures.output.splitlines()}
    learned_auc = float(rows[(f"learned@{cold}", "toxicity")][4])
    linear_auc = float(rows[("linear", "toxicity")][4])
    assert learned_auc >= 0.95 > linear_auc


async def test_serve_retrains_on_schedule_and_follows_the_new_version(
    settings: Config, scorer: LoadedScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.runtime
    from api.http.app import create_app
    from api.runtime import Runtime

    # Retraining on schedule belongs to the app's lifespan, so the test runs the app.
    monkeypatch.setattr(api.runtime, "MODEL_POLL_SECONDS", 0.05)
    runtime = Runtime(settings.model_copy(update={"learn_every": 0.1}), scorer=scorer)
    store = ModelStore(settings.resolved_models_dir())
    cold = scorer.scorer.version
    app = create_app(runtime=runtime, migrate=False)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        for _ in range(1200):
            if runtime.scoring.version != cold:
                break
            await asyncio.sleep(0.05)
        assert runtime.scoring.version == store.active() != cold
        assert runtime.scorer.scorer.name == "learned"
    assert len(store.versions()) >= 2
