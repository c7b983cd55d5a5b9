"""The learned scorer: seed data, encoder cache, heads, store, batching, targets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from moderation.batcher import MicroBatcher
from moderation.data import build_seed
from moderation.learning.encoder import encode_cached, shared_encoder, texts_digest
from moderation.learning.examples import LABELS, SEED_PATH, load_seed
from moderation.learning.store import ModelStore, UnknownVersion
from tests.support.learned import needs_learned


def test_the_seed_file_is_what_the_script_writes() -> None:
    written = [json.loads(line) for line in SEED_PATH.read_text(encoding="utf-8").splitlines()]
    assert written == build_seed.generate()


def test_the_seed_set_covers_every_label_and_keeps_an_unseen_eval_split() -> None:
    rows = load_seed()
    assert len(rows) >= 1500
    train = [r for r in rows if r.split == "train"]
    evaluation = [r for r in rows if r.split == "eval"]
    assert len(evaluation) >= 400
    for label in LABELS:
        assert sum(r.labels[label] for r in train) >= 100, label
        assert sum(r.labels[label] for r in evaluation) >= 40, label
    kinds = {r.kind for r in rows}
    for kind in ("harsh_but_civil", "news_violence", "identity_neutral", "idioms_and_sport"):
        assert kind in kinds
    assert any(k.endswith("+obfuscated") for k in kinds)
    assert not {r.text for r in train} & {r.text for r in evaluation}
    # No evaluation template is a training template, and no slot word crosses over.
    for category in build_seed.CATEGORIES:
        assert not set(category.train.templates) & set(category.eval.templates)
        for slot, words in category.eval.words.items():
            if slot in category.train.words:
                assert not set(words) & set(category.train.words[slot]), (category.name, slot)


@needs_learned
def test_the_shipped_seed_embeddings_match_a_fresh_encoding(tmp_path: Path) -> None:
    encoder = shared_encoder()
    rows = [r for r in load_seed() if r.split == "eval"]
    texts = [r.text for r in rows]
    cached = encode_cached(encoder, texts)
    sample = [0, 7, len(texts) // 2, len(texts) - 1]
    fresh = encoder.encode([texts[i] for i in sample])
    assert np.allclose(cached[sample], fresh, atol=1e-4)
    assert texts_digest(texts) != texts_digest(texts[:-1])


@needs_learned
def test_cold_start_is_the_shipped_version_and_meets_its_figures_on_real_comments(
    learned_models_template: Path,
) -> None:
    store = ModelStore(learned_models_template)
    active = store.active()
    assert active is not None
    info = store.info(active)
    assert "shipped" in info.data["decision"]
    report = info.data["report"]
    # Held-back splits of the two human-labelled sets (docs/scoring-quality.md).
    for name in ("davidson_validation", "surge_validation"):
        toxicity = report[name]["toxicity"]
        assert toxicity["roc_auc"] >= 0.95, name
        assert toxicity["precision"] >= 0.9, name
        assert toxicity["threshold"] == 0.8
    assert report["davidson_validation"]["toxicity"]["recall"] >= 0.8
    assert report["seed_eval"]["toxicity"]["roc_auc"] >= 0.95


@needs_learned
async def test_scores_are_probabilities_per_label_and_batches_share_one_pass(
    learned_models: Path,
) -> None:
    from moderation.scorers.learned import LearnedScorer

    scorer = LearnedScorer.load(learned_models)
    assert scorer.version == ModelStore(learned_models).active()
    texts = [
        "Thanks for the clear report on the harbour works.",
        "You are a complete moron and everyone here knows it.",
        "I will find you and hurt you.",
        "Y0u ar3 a m0r0n.",
        "The army killed dozens of civilians in the north, the report says.",
        "As a Muslim living in Paris, I found this piece fair.",
    ]
    scores = await scorer.score(texts)
    # Only labels with validation figures on real comments are served.
    assert all(set(s) == {"toxicity"} for s in scores)
    assert scorer.labels == ("toxicity",)
    assert all(0.0 <= v <= 1.0 for s in scores for v in s.values())
    clean, insult, threat, obfuscated, news, identity = (s["toxicity"] for s in scores)
    assert max(clean, news, identity) < 0.5 < min(insult, threat, obfuscated)

    batcher = MicroBatcher(scorer, max_batch=32, max_wait=0.05)
    before = scorer.encoder.texts_encoded
    results = await asyncio.gather(*(batcher.score([t]) for t in texts))
    await batcher.close()
    assert batcher.stats.batches == 1 and batcher.stats.largest_batch == len(texts)
    # Each text once, and the disguised one ("Y0u ar3 a m0r0n.") once more, undisguised.
    assert scorer.encoder.texts_encoded - before == len(texts) + 1
    for (one,), together in zip(results, scores, strict=True):
        assert one["toxicity"] == pytest.approx(together["toxicity"], abs=1e-4)


@needs_learned
def test_versions_load_as_arrays_and_unknown_ones_are_refused(learned_models: Path) -> None:
    store = ModelStore(learned_models)
    (only,) = store.versions()
    heads = store.load(only.id)
    assert heads.hidden_weights is not None and heads.hidden_weights.shape[0] == 384
    assert heads.weights.shape == (len(LABELS), heads.hidden_weights.shape[1])
    with np.load(store.folder(only.id) / "heads.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    with pytest.raises(UnknownVersion):
        store.activate("v0099-20260101T000000", "test")
    with pytest.raises(UnknownVersion):
        store.load("../../etc")
