"""Detoxify's transformer models (Unitary's Jigsaw classifiers) as a Scorer, loaded offline.

Detoxify's release checkpoints are ``torch.save({"config": <training config>, "state_dict":
...})`` files; the config names the transformers classes and the Hugging Face repo whose
config and tokenizer files the model needs. ``detoxify.Detoxify`` cannot be constructed
without the Hub even when given ``checkpoint=`` and ``huggingface_config_path=``:
``detoxify.detoxify.get_model_and_tokenizer`` always calls
``config_class.from_pretrained(model_type, ...)`` with the Hub name recorded in the checkpoint
("bert-base-uncased", ...), which raises OSError without network or a Hugging Face cache entry.
So this module reads the checkpoint itself and builds the same transformers model and tokenizer
from a local directory, with ``local_files_only=True`` everywhere, mirroring what detoxify does
(class names, their renaming, sigmoid over the first ``len(classes)`` logits).

Where detoxify's ``predict`` truncates at 512 tokens, ``score`` reads long comments in
overlapping windows and keeps each label's maximum: an insult at the end of a long comment
still counts.

torch, transformers and detoxify come from the optional ``detoxify`` extra; they are imported
lazily, so this module (and ``find_local_weights``) is importable without them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from moderation.scorers.detoxify_weights import (
    _EXTRA_HINT,
    _LANGUAGES,
    VARIANTS,
    DetoxifyDownloadError,
    LocalWeights,
    _cached_hf_dir,
    _check_variant,
    _class_names,
    _sha256,
    download,
    find_local_weights,
    hub_checkpoint_path,
)

__all__ = [
    "VARIANTS",
    "DetoxifyDownloadError",
    "DetoxifyScorer",
    "LocalWeights",
    "download",
    "find_local_weights",
    "hub_checkpoint_path",
]


if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)


class DetoxifyScorer:
    """One detoxify model on one device; ``score`` is safe to call from concurrent tasks."""

    name: str
    version: str
    labels: tuple[str, ...]
    languages: tuple[str, ...]

    def __init__(
        self,
        variant: str,
        *,
        checkpoint: str | Path | None = None,
        config_dir: str | Path | None = None,
        device: str = "cpu",
        quantize: str | None = None,
        max_length: int = 512,
        stride: int = 128,
        batch_size: int = 32,
    ) -> None:
        _check_variant(variant)
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', not {quantize!r}")
        if quantize and not device.startswith("cpu"):
            raise ValueError("int8 dynamic quantisation runs on the CPU only; use device='cpu'")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        try:
            import torch
            import transformers
        except ImportError as exc:
            raise ImportError(_EXTRA_HINT) from exc

        started = time.perf_counter()
        checkpoint_path = Path(checkpoint) if checkpoint else hub_checkpoint_path(variant)
        if not checkpoint_path.is_file():
            raise FileNotFoundError(
                f"no detoxify {variant!r} checkpoint at {checkpoint_path}: set "
                "COMMENTMOD_DETOXIFY_CHECKPOINT, or fetch it with download() where a network exists"
            )
        try:
            # weights_only: the release files hold only a plain dict and tensors, so refuse
            # to run arbitrary pickled code from a file someone swapped in.
            loaded = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise ValueError(f"cannot read detoxify checkpoint {checkpoint_path}: {exc}") from exc
        if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
            raise ValueError(
                f"{checkpoint_path} is not a detoxify checkpoint (needs 'config' and 'state_dict')"
            )
        config: Mapping[str, Any] = loaded["config"]
        arch: Mapping[str, Any] = config["arch"]["args"]
        class_names = _class_names(config)
        num_classes = int(arch["num_classes"])
        if len(class_names) > num_classes:
            raise ValueError(f"{len(class_names)} class names for {num_classes} model outputs")

        # The checkpoint picks transformers classes by name; accept only the kinds detoxify
        # uses rather than whatever attribute a file names.
        model_name, tokenizer_name = str(arch["model_name"]), str(arch["tokenizer_name"])
        classifier = model_name.endswith("ForSequenceClassification")
        if not classifier or "Tokenizer" not in tokenizer_name:
            raise ValueError(f"unexpected model classes {model_name}/{tokenizer_name}")
        hf_dir = self._resolve_config_dir(config_dir, str(arch["model_type"]))
        model_class = getattr(transformers, model_name)
        tokenizer_class = getattr(transformers, tokenizer_name)
        # What get_model_and_tokenizer does, except every path is local and the label count
        # travels in the config object (detoxify passes the directory path as config= when
        # given huggingface_config_path, which drops num_labels).
        hf_config = model_class.config_class.from_pretrained(
            str(hf_dir), num_labels=num_classes, local_files_only=True
        )
        try:
            model, info = model_class.from_pretrained(
                None,
                config=hf_config,
                state_dict=loaded["state_dict"],
                local_files_only=True,
                output_loading_info=True,
            )
        except RuntimeError as exc:  # transformers' answer to mis-shaped weights
            raise ValueError(f"{checkpoint_path} does not fit {hf_dir}: {exc}") from exc
        # A checkpoint paired with the wrong base model would otherwise load "fine" with
        # randomly initialised layers and score garbage.
        broken = list(info.get("missing_keys", ())) + list(info.get("mismatched_keys", ()))
        if broken:
            raise ValueError(
                f"{checkpoint_path} does not fit the {model_name} built from {hf_dir}: "
                f"missing or mis-shaped weights {sorted(map(str, broken))[:5]}"
            )
        self._tokenizer: PreTrainedTokenizerBase = tokenizer_class.from_pretrained(
            str(hf_dir), local_files_only=True
        )
        model.eval()

        special = self._tokenizer.num_special_tokens_to_add(pair=False)
        limit = self._position_limit(model)
        if not special < max_length <= limit:
            raise ValueError(f"max_length must be in ({special}, {limit}], not {max_length}")
        if not 0 <= stride < max_length - special:
            raise ValueError(f"stride must be in [0, {max_length - special}), not {stride}")
        if self._tokenizer.pad_token_id is None:
            raise ValueError(f"the tokenizer in {hf_dir} has no padding token")

        # Typed as a plain Module: quantisation returns one, and transformers' decorated
        # PreTrainedModel.to() confuses mypy.
        self._model: torch.nn.Module = model
        if quantize == "int8":
            # Dynamic quantisation: int8 weights for the Linear layers, which do most of the
            # work, activations quantised on the fly: faster on CPU for slightly different
            # scores. torch.ao's eager quantisation is deprecated in favour of torchao (it
            # warns so) but still ships in torch 2.13.
            self._model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                self._model, {torch.nn.Linear}, dtype=torch.qint8
            )
        self._model.to(device)
        self._device = torch.device(device)

        self.variant = variant
        self.device = device
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.name = f"detoxify:{variant}"
        self.labels = tuple(class_names)
        self.languages = _LANGUAGES[variant]
        # The file's digest names the weights: two checkpoints of one variant never share a
        # version, so stored decisions say exactly which model made them.
        self.version = f"detoxify-{variant}-{_sha256(checkpoint_path)[:12]}"
        if quantize:
            self.version += f"-{quantize}"
        # Windows fed through the model, all calls together: lets tests and metrics see how
        # much chunking costs.
        self.rows_scored = 0
        # One forward pass at a time: torch already uses every core for one, and the fast
        # tokenizer's truncation settings are shared state ("Already borrowed" when raced).
        self._lock = threading.Lock()
        logger.info(
            "loaded %s (%s) from %s on %s in %.1fs",
            self.name,
            self.version,
            checkpoint_path,
            device,
            time.perf_counter() - started,
        )

    @staticmethod
    def _resolve_config_dir(config_dir: str | Path | None, model_type: str) -> Path:
        if config_dir:
            path = Path(config_dir)
        elif Path(model_type).is_dir():
            path = Path(model_type)
        else:
            cached = _cached_hf_dir(model_type)
            if cached is None:
                raise FileNotFoundError(
                    f"no config/tokenizer files for {model_type!r} in the Hugging Face cache: "
                    "set COMMENTMOD_DETOXIFY_CONFIG_DIR to a directory holding them, or fetch "
                    "them with download() where a network exists"
                )
            path = cached
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} holds no config.json")
        return path

    def _position_limit(self, model: PreTrainedModel) -> int:
        # The tokenizer knows the usable length (RoBERTa: 512 of 514 positions); tokenizers
        # saved without it report a huge sentinel, so fall back to the model's positions.
        tokenizer_limit = int(self._tokenizer.model_max_length)
        positions = int(getattr(model.config, "max_position_embeddings", tokenizer_limit))
        return tokenizer_limit if tokenizer_limit < 1_000_000 else positions

    def score_sync(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score on the calling thread; one {label: probability} per text, in order."""
        if not texts:
            return []
        import torch

        with self._lock, torch.inference_mode():
            probabilities = self._score_locked(list(texts))
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probabilities]

    def _score_locked(self, texts: list[str]) -> list[list[float]]:
        import torch

        # The fast tokenizer cuts each text into windows of max_length tokens (special tokens
        # included), consecutive windows sharing `stride` tokens, so no phrase is only ever
        # seen cut in half. overflow_to_sample_mapping says which text a window came from.
        encoded = self._tokenizer(
            texts,
            truncation=True,
            max_length=self.max_length,
            stride=self.stride,
            return_overflowing_tokens=True,
            verbose=False,
        )
        windows: list[list[int]] = encoded["input_ids"]
        owners = torch.tensor(encoded["overflow_to_sample_mapping"], dtype=torch.long)
        n_labels = len(self.labels)
        window_scores = torch.empty((len(windows), n_labels), dtype=torch.float32)

        # Batches of similar length waste little on padding: sort the windows by length,
        # score them batch_size at a time, and write each row back to its original slot.
        by_length = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        pad_id = int(cast(int, self._tokenizer.pad_token_id))
        device = self._device
        for start in range(0, len(by_length), self.batch_size):
            rows = by_length[start : start + self.batch_size]
            width = max(len(windows[i]) for i in rows)
            input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
            attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
            for slot, i in enumerate(rows):
                input_ids[slot, : len(windows[i])] = torch.tensor(windows[i])
                attention_mask[slot, : len(windows[i])] = 1
            logits = self._model(
                input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)
            ).logits
            # Like detoxify: independent sigmoids, over the named outputs only (the unbiased
            # models have 9 more, identity subgroups, that detoxify never reports).
            window_scores[rows] = torch.sigmoid(logits[:, :n_labels].float()).cpu()
        self.rows_scored += len(windows)

        # A text is as toxic as its worst window, label by label.
        per_text = torch.zeros((len(texts), n_labels), dtype=torch.float32)
        index = owners.unsqueeze(1).expand(-1, n_labels)
        per_text.scatter_reduce_(0, index, window_scores, reduce="amax", include_self=False)
        return cast(list[list[float]], per_text.tolist())

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        # A forward pass takes tens to hundreds of milliseconds of CPU; torch releases the
        # GIL inside it, so a worker thread keeps the event loop serving requests meanwhile.
        return await asyncio.to_thread(self.score_sync, texts)
