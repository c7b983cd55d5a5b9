"""The detoxify scorer behind the real service, with a tiny model the test builds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.learning.encoder import available as learned_available
from moderation.scorers.registry import ScorerConfigError, ScorerOptions, load_scorer
from tests.support.client import Api
from tests.support.tiny_detoxify import build_tiny_detoxify

REASONS = """query($id: ID!) { comment(id: $id) { status moderation {
  model scores { label score } reasons { code detail } } } }"""


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    # A bias of 3 makes every label score sigmoid(3) = 0.95: above the 0.8 threshold.
    return build_tiny_detoxify(tmp_path_factory.mktemp("tiny"), "original", classifier_bias=3.0)


def test_auto_prefers_local_detoxify_weights(tiny_model: tuple[Path, Path]) -> None:
    checkpoint, config_dir = tiny_model
    loaded = load_scorer(
        ScorerOptions(name="auto", detoxify_checkpoint=checkpoint, detoxify_config_dir=config_dir)
    )
    assert loaded.scorer.name == "detoxify:original"
    assert str(checkpoint) in loaded.why


@pytest.mark.skipif(not learned_available(), reason="the learned extra is not installed")
def test_auto_falls_back_to_learned_and_says_why(learned_models: Path, tmp_path: Path) -> None:
    options = ScorerOptions(
        name="auto", detoxify_checkpoint=tmp_path / "missing.ckpt", models_dir=learned_models
    )
    loaded = load_scorer(options)
    assert loaded.scorer.name == "learned"
    assert "no local detoxify original weights" in loaded.why
    assert f"learned model {loaded.scorer.version}" in loaded.why


def test_auto_falls_back_to_linear_without_the_learned_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moderation.learning.encoder

    monkeypatch.setattr(moderation.learning.encoder, "available", lambda: False)
    options = ScorerOptions(
        name="auto", detoxify_checkpoint=tmp_path / "missing.ckpt", models_dir=tmp_path / "m"
    )
    loaded = load_scorer(options)
    assert loaded.scorer.name == "linear"
    assert "no local detoxify original weights" in loaded.why
    assert "the learned extra is not installed" in loaded.why
    assert not (tmp_path / "m").exists()


def test_explicit_scorer_that_cannot_load_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScorerConfigError, match="detoxify:original"):
        load_scorer(ScorerOptions(name="detoxify:original", detoxify_checkpoint=tmp_path / "x"))
    with pytest.raises(ScorerConfigError, match="unknown scorer"):
        load_scorer("perspective-but-misspelt")


def test_serve_refuses_to_start_with_a_broken_explicit_scorer(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "COMMENTMOD_SCORER": "detoxify:original",
        "COMMENTMOD_DETOXIFY_CHECKPOINT": str(tmp_path / "nope.ckpt"),
        "COMMENTMOD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from api.cli.main import main; main()", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "cannot load scorer detoxify:original" in result.stderr
    assert "Traceback" not in result.stderr


async def test_add_comment_scores_every_detoxify_label(
    api: Api, tiny_model: tuple[Path, Path]
) -> None:
    checkpoint, config_dir = tiny_model
    api.runtime.use_scorer(
        load_scorer(
            ScorerOptions(
                name="detoxify:original",
                detoxify_checkpoint=checkpoint,
                detoxify_config_dir=config_dir,
            )
        )
    )
    article = await api.create_article()
    comment = await api.comment(
        article["id"], "the city council should listen", as_=api.token("ann")
    )
    assert comment["status"] == "PENDING"
    data = await api.data(REASONS, {"id": comment["id"]}, as_=api.token("mo", "moderator"))
    moderation = data["comment"]["moderation"]
    assert moderation["model"].startswith("detoxify:original@detoxify-original-")
    labels = {s["label"] for s in moderation["scores"]}
    assert {
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    } <= labels
    assert all(abs(s["score"] - 0.9526) < 1e-3 for s in moderation["scores"])
    details = [r["detail"] for r in moderation["reasons"] if r["code"] == "TOXICITY"]
    assert any(d.startswith("threat 0.95") for d in details)
