"""Where the detoxify scorer's weights come from: release checkpoints, the Hugging Face
cache, an explicit directory, or a download where a network exists; and what a checkpoint's
config says (its classes, renamed to the shared vocabulary).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple, cast

VARIANTS: Final = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")

# The Hugging Face repo each release checkpoint was fine-tuned from (its "model_type"): where
# its config and tokenizer files sit in the Hugging Face cache when no directory is given.
_HUB_MODELS: Final[Mapping[str, str]] = {
    "original": "bert-base-uncased",
    "unbiased": "roberta-base",
    "multilingual": "xlm-roberta-base",
    "original-small": "albert-base-v2",
    "unbiased-small": "albert-base-v2",
}

# From the detoxify README: the multilingual model was trained on these seven languages.
_LANGUAGES: Final[Mapping[str, tuple[str, ...]]] = {
    "original": ("en",),
    "unbiased": ("en",),
    "multilingual": ("en", "fr", "es", "it", "pt", "tr", "ru"),
    "original-small": ("en",),
    "unbiased-small": ("en",),
}

# detoxify.detoxify.load_checkpoint renames the original challenge's Jigsaw classes so that
# every model speaks the same vocabulary (the one DESIGN.md uses); it keeps this map local to
# that function, so it is repeated here.
_RENAMED_CLASSES: Final[Mapping[str, str]] = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}

# Hugging Face files a tokenizer/config directory can need, for the four base models above.
_HF_FILES: Final = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
)

_EXTRA_HINT = "the detoxify scorer needs the optional extra: pip install 'commentmod[detoxify]'"


class LocalWeights(NamedTuple):
    checkpoint: Path
    config_dir: Path


class DetoxifyDownloadError(RuntimeError):
    """The weights could not be fetched (usually: no network)."""


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"unknown detoxify variant {variant!r}; expected one of {VARIANTS}")


def _release_url(variant: str) -> str:
    from detoxify.detoxify import MODEL_URLS  # type: ignore[import-untyped]

    return cast(str, MODEL_URLS[variant])


def hub_checkpoint_path(variant: str) -> Path:
    """Where torch hub (and so detoxify itself) caches the release checkpoint of ``variant``."""
    _check_variant(variant)
    import torch.hub

    file_name = _release_url(variant).rsplit("/", 1)[-1]
    return Path(torch.hub.get_dir()) / "checkpoints" / file_name


def _cached_hf_dir(repo_id: str) -> Path | None:
    """The Hugging Face cache snapshot holding ``repo_id``'s config.json, without network."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "config.json")
    # A str is a path; None or the "known missing" sentinel both mean not cached.
    return Path(found).parent if isinstance(found, str) else None


def find_local_weights(
    variant: str,
    *,
    checkpoint: str | Path | None = None,
    config_dir: str | Path | None = None,
) -> LocalWeights | None:
    """Say whether ``variant`` can be loaded from this disk, and from where; never downloads.

    Explicit paths win; otherwise the checkpoint is looked for in torch hub's cache (where
    ``download`` and detoxify put it) and the config/tokenizer in the Hugging Face cache.
    None when something is missing, or when the ``detoxify`` extra is not installed.
    """
    _check_variant(variant)
    try:
        checkpoint_path = Path(checkpoint) if checkpoint else hub_checkpoint_path(variant)
        config_path = Path(config_dir) if config_dir else _cached_hf_dir(_HUB_MODELS[variant])
    except ImportError:
        return None
    if not checkpoint_path.is_file() or config_path is None:
        return None
    if not (config_path / "config.json").is_file():
        return None
    return LocalWeights(checkpoint_path, config_path)


def download(variant: str, *, progress: bool = True) -> LocalWeights:
    """Fetch ``variant``'s release checkpoint into torch hub's cache, and its base model's
    config and tokenizer files into the Hugging Face cache, where a network exists."""
    _check_variant(variant)
    try:
        import huggingface_hub
        import torch.hub
    except ImportError as exc:
        raise ImportError(_EXTRA_HINT) from exc

    url = _release_url(variant)
    destination = hub_checkpoint_path(variant)
    if not destination.is_file():
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Writes to a temporary file and renames it, so a broken download leaves nothing.
            torch.hub.download_url_to_file(url, str(destination), progress=progress)
        except OSError as exc:  # urllib's URLError is an OSError
            raise DetoxifyDownloadError(
                f"could not download the detoxify {variant!r} checkpoint from {url}: {exc}. "
                f"Without network, copy that file to {destination} "
                "or set COMMENTMOD_DETOXIFY_CHECKPOINT to a local copy."
            ) from exc

    repo_id = _HUB_MODELS[variant]
    try:
        huggingface_hub.snapshot_download(repo_id, allow_patterns=list(_HF_FILES))
    except Exception as exc:  # the hub raises its own and httpx's errors; all mean "no files"
        raise DetoxifyDownloadError(
            f"could not download the config and tokenizer of {repo_id!r} from the Hugging Face "
            f"Hub: {exc}. Without network, save them to a directory (config.json and the "
            "tokenizer files) and set COMMENTMOD_DETOXIFY_CONFIG_DIR to it."
        ) from exc

    found = find_local_weights(variant)
    if found is None:
        raise DetoxifyDownloadError(f"downloaded detoxify {variant!r}, but cannot find it")
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _class_names(config: Mapping[str, Any]) -> list[str]:
    # detoxify reads config["dataset"]["args"]["classes"]; some training configs keep the list
    # under the architecture instead, so fall back to that.
    classes = config.get("dataset", {}).get("args", {}).get("classes")
    if classes is None:
        classes = config.get("arch", {}).get("args", {}).get("classes")
    if not classes:
        raise ValueError("the checkpoint's config names no classes (dataset.args.classes)")
    return [_RENAMED_CLASSES.get(str(name), str(name)) for name in classes]
