"""The Arabic data set, the n-gram model and the Arabic scorer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from moderation.data import build_arabic, train_arabic
from moderation.language import detect
from moderation.ngram_model import NgramModel, train
from moderation.ngrams import features, words
from moderation.scorers.arabic import PACKAGED, ArabicScorer, active_dir


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return train_arabic.load()


def test_the_data_file_is_what_the_script_writes(rows: list[dict[str, object]]) -> None:
    assert rows == build_arabic.generate()


def test_validation_families_are_never_trained_on(rows: list[dict[str, object]]) -> None:
    by_split: dict[str, set[object]] = {"train": set(), "eval": set()}
    for row in rows:
        by_split[str(row["split"])].add(row["family"])
    assert by_split["train"] and by_split["eval"]
    assert not by_split["train"] & by_split["eval"]
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts))
    # Every kind of comment, abusive or normal, is in both splits, in each script.
    for split in ("train", "eval"):
        kinds = {row["kind"] for row in rows if row["split"] == split}
        assert {"insult", "threat", "identity_hate", "obscene", "war_reporting"} <= kinds
        assert {"religion_neutral", "harsh_political", "quoting_to_condemn"} <= kinds
        assert {row["dialect"] for row in rows if row["split"] == split} == {"msa", "lev", "az"}


def test_arabic_and_arabizi_rows_are_detected_as_arabic(rows: list[dict[str, object]]) -> None:
    missed = [row["text"] for row in rows if detect(str(row["text"])).language != "ar"]
    assert len(missed) <= 0.02 * len(rows), missed


def test_the_shipped_model_meets_the_targets_on_held_back_families(
    rows: list[dict[str, object]],
) -> None:
    held_back = [row for row in rows if row["split"] == "eval"]
    figures = train_arabic.report(NgramModel.load(PACKAGED), held_back)["eval"]
    assert figures.roc_auc is not None and figures.roc_auc >= 0.85
    assert figures.normal_published is not None and figures.normal_published >= 0.8
    assert figures.abusive_held is not None and figures.abusive_held >= 0.8


def test_normalisation_makes_spelling_variants_one_feature_set() -> None:
    assert words("إنتَ حمـــار") == words("انت حمار") == ["انت", "حمار"]
    assert words("يا حماااااار") == words("يا حماار")
    assert words("7mar") == ["7mar", "hmar"]
    assert features("") == {}
    vector = features("يلعن أبوك يا حمار")
    assert abs(sum(v * v for v in vector.values()) - 1) < 1e-9


def test_training_is_deterministic_and_the_model_is_plain_arrays(
    rows: list[dict[str, object]], tmp_path: Path
) -> None:
    sample = [row for row in rows if row["split"] == "train"][::6]
    texts = [str(row["text"]) for row in sample]
    labels = {
        "toxicity": [int(row["labels"]["toxicity"]) for row in sample]  # type: ignore[index]
    }
    groups = [str(row["family"]) for row in sample]
    first = train(texts, labels, groups, size=1 << 12)
    second = train(texts, labels, groups, size=1 << 12)
    assert first.version == second.version
    first.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["model.json", "weights.npy"]
    # Loadable without pickles; the same version and the same scores.
    np.load(tmp_path / "m" / "weights.npy", allow_pickle=False)
    loaded = NgramModel.load(tmp_path / "m")
    assert loaded.version == first.version
    assert loaded.score(texts[:5]) == first.score(texts[:5])
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["format"] = 99
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format"):
        NgramModel.load(tmp_path / "m")


async def test_the_scorer_uses_the_sites_active_version(tmp_path: Path) -> None:
    packaged = ArabicScorer.load_active(tmp_path)
    assert packaged.languages == ("ar",) and packaged.version.startswith("ngram-")
    assert packaged.reloaded() is None
    (one,) = await packaged.score(["يا حمار"])
    assert set(one) == set(packaged.labels) and one["toxicity"] >= 0.8
    assert await packaged.score([]) == []
    # A site version, activated by its pointer file, is picked up by reloaded().
    site = tmp_path / "arabic" / "v1"
    model = NgramModel.load(PACKAGED)
    NgramModel(
        model.labels, model.weights * 0.5, model.bias, model.slope, model.center, model.anchor
    ).save(site)
    assert active_dir(tmp_path) is None
    (tmp_path / "arabic" / "active").write_text("v1")
    assert active_dir(tmp_path) == site
    fresh = packaged.reloaded()
    assert fresh is not None and fresh.version != packaged.version and fresh.source == site
    assert fresh.reloaded() is None


def test_no_english_seed_comment_is_routed_to_the_arabic_scorer() -> None:
    """English figures stay what they were: every English text still reaches the main scorer."""
    from moderation.learning.examples import load_seed

    assert [e.text for e in load_seed() if detect(e.text).language == "ar"] == []
