"""DetoxifyScorer against tiny detoxify-format checkpoints built on the spot, with no network."""

from __future__ import annotations

import asyncio
import hashlib
import math
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("detoxify", reason="needs the optional 'detoxify' extra")

import huggingface_hub.constants
import torch

from moderation.scorers.base import Scorer
from moderation.scorers.detoxify import (
    VARIANTS,
    DetoxifyDownloadError,
    DetoxifyScorer,
    download,
    find_local_weights,
    hub_checkpoint_path,
)
from tests.support.tiny_detoxify import WORDS, build_tiny_detoxify

ORIGINAL_LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
BIAS_LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)
TEXTS = [
    "you are an idiot",
    "thanks for the great article",
    "",
    "the council should vote again next week on the new tax policy for the city",
    "dog",
    "I disagree, but that is a fair point about the election and the court.",
]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """No hub, no network, no caches from this machine: what production without internet sees.

    Yields the network attempts made; a test that expects some clears the list.
    """
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    # huggingface_hub reads its settings once, at import, so set the constants as well.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))

    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        # Libraries swallow some errors (transformers' Hub look-ups do), so record as well.
        attempts.append(repr(args)[:200])
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield attempts
    assert attempts == [], "the scorer tried to reach the network"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("tiny-detoxify")
    return {
        "original": build_tiny_detoxify(root / "original", "original"),
        "unbiased": build_tiny_detoxify(root / "unbiased", "unbiased"),
        "multilingual": build_tiny_detoxify(root / "multilingual", "multilingual"),
    }


def load(models: dict[str, tuple[Path, Path]], variant: str, **kwargs: Any) -> DetoxifyScorer:
    checkpoint, config_dir = models[variant]
    return DetoxifyScorer(variant, checkpoint=checkpoint, config_dir=config_dir, **kwargs)


def assert_close(a: dict[str, float], b: dict[str, float], tolerance: float = 1e-5) -> None:
    assert a.keys() == b.keys()
    for label in a:
        assert a[label] == pytest.approx(b[label], abs=tolerance), label


def test_identity_comes_from_the_checkpoint(models: dict[str, tuple[Path, Path]]) -> None:
    scorer = load(models, "original")
    assert isinstance(scorer, Scorer)
    assert scorer.name == "detoxify:original"
    # The checkpoint carries Jigsaw's raw names ("toxic", "identity_hate"); detoxify's are kept.
    assert scorer.labels == ORIGINAL_LABELS
    assert scorer.languages == ("en",)
    digest = hashlib.sha256(models["original"][0].read_bytes()).hexdigest()
    assert scorer.version == f"detoxify-original-{digest[:12]}"

    # 16 outputs, of which only the 7 named classes are reported.
    unbiased = load(models, "unbiased")
    assert unbiased.labels == BIAS_LABELS
    multilingual = load(models, "multilingual")
    assert multilingual.languages == ("en", "fr", "es", "it", "pt", "tr", "ru")
    assert multilingual.name == "detoxify:multilingual"


async def test_batch_is_in_order_and_matches_one_by_one(
    models: dict[str, tuple[Path, Path]],
) -> None:
    scorer = load(models, "unbiased", batch_size=4)  # two forward batches for six texts
    batch = await scorer.score(TEXTS)
    assert len(batch) == len(TEXTS)
    for scores in batch:
        assert tuple(scores) == BIAS_LABELS
        assert all(0.0 <= p <= 1.0 for p in scores.values())
    # The tiny model must tell texts apart, or the order check below proves nothing.
    assert len({round(s["toxicity"], 4) for s in batch}) > 3

    for text, scores in zip(TEXTS, batch, strict=True):
        [alone] = await scorer.score([text])
        assert_close(alone, scores)


async def test_same_numbers_as_detoxify_itself(
    models: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    # detoxify.Detoxify loads offline only when the checkpoint's model_type is a local path;
    # such a checkpoint lets detoxify's own predict() check the format and the arithmetic.
    from detoxify import Detoxify  # type: ignore[import-untyped]

    checkpoint, config_dir = build_tiny_detoxify(
        tmp_path, "original", model_type=str(tmp_path / "hf-config")
    )
    theirs = Detoxify(
        "original", checkpoint=str(checkpoint), huggingface_config_path=str(config_dir)
    ).predict(TEXTS)
    ours = await DetoxifyScorer("original", checkpoint=checkpoint, config_dir=config_dir).score(
        TEXTS
    )
    assert set(theirs) == set(ORIGINAL_LABELS)
    for i, scores in enumerate(ours):
        assert_close(scores, {label: theirs[label][i] for label in ORIGINAL_LABELS})


async def test_long_text_is_scored_in_windows_keeping_the_max(
    models: dict[str, tuple[Path, Path]],
) -> None:
    max_length, stride = 512, 128
    scorer = load(models, "original", max_length=max_length, stride=stride)
    # Every word of WORDS is one token, so token positions are word positions.
    words = [WORDS[(i * 7) % len(WORDS)] for i in range(3000)]
    content = max_length - 2  # [CLS] and [SEP] in every window
    step = content - stride
    starts = range(0, len(words) - stride, step)
    windows = [" ".join(words[start : start + content]) for start in starts]
    assert len(windows) == math.ceil((len(words) - content) / step) + 1 == 8

    before = scorer.rows_scored
    [long_scores] = await scorer.score([" ".join(words)])
    assert scorer.rows_scored - before == len(windows)

    window_scores = await scorer.score(windows)
    assert scorer.rows_scored - before == 2 * len(windows)  # each window fits in one
    expected = {label: max(s[label] for s in window_scores) for label in scorer.labels}
    assert_close(long_scores, expected)
    # Not simply the first window's (truncated) score: later text counts.
    assert any(expected[label] > window_scores[0][label] + 1e-3 for label in scorer.labels)


async def test_short_windows_and_mixed_lengths_in_one_batch(
    models: dict[str, tuple[Path, Path]],
) -> None:
    scorer = load(models, "original", max_length=16, stride=4)
    long_text = " ".join(WORDS[:100])
    batch = await scorer.score(["dog", long_text, "you are an idiot"])
    # 100 tokens in windows of 14 sharing 4: 10 windows, plus the two short texts.
    assert scorer.rows_scored == 10 + 2
    assert_close(batch[1], (await scorer.score([long_text]))[0])
    assert_close(batch[0], (await scorer.score(["dog"]))[0])


@pytest.mark.parametrize(("max_length", "stride"), [(2, 0), (513, 128), (16, 14), (16, -1)])
def test_window_settings_are_checked(
    models: dict[str, tuple[Path, Path]], max_length: int, stride: int
) -> None:
    with pytest.raises(ValueError):
        load(models, "original", max_length=max_length, stride=stride)


# torch.ao's eager quantisation is deprecated in favour of torchao; it still works in 2.13.
@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor:UserWarning")
@pytest.mark.filterwarnings("ignore:torch.ao.quantization is deprecated:DeprecationWarning")
async def test_int8_quantisation_stays_close_to_fp32(
    models: dict[str, tuple[Path, Path]],
) -> None:
    fp32 = await load(models, "unbiased").score(TEXTS)
    int8_scorer = load(models, "unbiased", quantize="int8")
    assert int8_scorer.version.endswith("-int8")
    linear_types = {type(m) for m in int8_scorer._model.modules()}
    assert torch.nn.Linear not in linear_types  # really replaced
    int8 = await int8_scorer.score(TEXTS)
    for a, b in zip(fp32, int8, strict=True):
        assert_close(a, b, tolerance=0.05)


def test_quantisation_is_cpu_only(models: dict[str, tuple[Path, Path]]) -> None:
    with pytest.raises(ValueError, match="CPU"):
        load(models, "original", quantize="int8", device="cuda")
    with pytest.raises(ValueError, match="quantize"):
        load(models, "original", quantize="fp4")


@pytest.mark.parametrize("bias", [8.0, -8.0])
async def test_classifier_bias_fixes_every_score(tmp_path: Path, bias: float) -> None:
    checkpoint, config_dir = build_tiny_detoxify(tmp_path, "original", classifier_bias=bias)
    scorer = DetoxifyScorer("original", checkpoint=checkpoint, config_dir=config_dir)
    expected = 1.0 / (1.0 + math.exp(-bias))
    for scores in await scorer.score(TEXTS):
        assert all(p == pytest.approx(expected, abs=1e-6) for p in scores.values())


async def test_concurrent_calls_do_not_mix_results(
    models: dict[str, tuple[Path, Path]],
) -> None:
    scorer = load(models, "original")
    reference = scorer.score_sync(TEXTS)
    results = await asyncio.gather(*(scorer.score(TEXTS[i:] + TEXTS[:i]) for i in range(6)))
    for i, result in enumerate(results):
        for got, want in zip(result, reference[i:] + reference[:i], strict=True):
            assert_close(got, want)


async def test_empty_batch(models: dict[str, tuple[Path, Path]]) -> None:
    scorer = load(models, "original")
    assert await scorer.score([]) == []
    assert scorer.rows_scored == 0


def test_find_local_weights_finds_nothing_on_a_bare_machine(tmp_path: Path) -> None:
    for variant in VARIANTS:
        assert find_local_weights(variant) is None
    assert find_local_weights("original", checkpoint=tmp_path / "missing.ckpt") is None
    # A checkpoint alone is not enough: the config and tokenizer must be there too.
    present = tmp_path / "present.ckpt"
    present.write_bytes(b"x")
    assert find_local_weights("original", checkpoint=present) is None
    assert find_local_weights("original", checkpoint=present, config_dir=tmp_path) is None
    with pytest.raises(ValueError, match="variant"):
        find_local_weights("enormous")


def test_find_local_weights_returns_explicit_paths(models: dict[str, tuple[Path, Path]]) -> None:
    checkpoint, config_dir = models["original"]
    found = find_local_weights("original", checkpoint=checkpoint, config_dir=config_dir)
    assert found == (checkpoint, config_dir)


async def test_loads_from_torch_hub_and_hugging_face_caches(
    models: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    # Lay the files out where download() (and detoxify) leave them.
    checkpoint, config_dir = models["original"]
    cached_checkpoint = hub_checkpoint_path("original")
    assert cached_checkpoint.is_relative_to(tmp_path / "torch-home")
    assert cached_checkpoint.name == "toxic_original-c1212f89.ckpt"
    cached_checkpoint.parent.mkdir(parents=True)
    shutil.copy(checkpoint, cached_checkpoint)
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hf-cache" / "models--bert-base-uncased"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    shutil.copytree(config_dir, repo / "snapshots" / revision)

    found = find_local_weights("original")
    assert found == (cached_checkpoint, repo / "snapshots" / revision)
    assert find_local_weights("unbiased") is None  # other variants are still missing

    scorer = DetoxifyScorer("original")  # no paths: the caches are enough
    reference = load(models, "original")
    assert scorer.version == reference.version
    for a, b in zip(await scorer.score(TEXTS), await reference.score(TEXTS), strict=True):
        assert_close(a, b)


def test_missing_or_foreign_files_are_reported(
    models: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError, match="COMMENTMOD_DETOXIFY_CHECKPOINT"):
        DetoxifyScorer("original")
    # The checkpoint names "bert-base-uncased", which is in no cache here.
    with pytest.raises(FileNotFoundError, match="COMMENTMOD_DETOXIFY_CONFIG_DIR"):
        DetoxifyScorer("original", checkpoint=models["original"][0])
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"epoch": 3}, foreign)
    with pytest.raises(ValueError, match="not a detoxify checkpoint"):
        DetoxifyScorer("original", checkpoint=foreign, config_dir=models["original"][1])
    with pytest.raises(ValueError, match="variant"):
        DetoxifyScorer("huge")


def test_download_without_network_says_what_to_do(offline: list[str]) -> None:
    with pytest.raises(DetoxifyDownloadError) as raised:
        download("original", progress=False)
    assert offline, "download() should have tried the network"
    offline.clear()
    message = str(raised.value)
    assert "toxic_original-c1212f89.ckpt" in message
    assert "COMMENTMOD_DETOXIFY_CHECKPOINT" in message
    assert not hub_checkpoint_path("original").exists()  # nothing half-written left behind
