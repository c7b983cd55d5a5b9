"""The `arabic` scorer: the project's own n-gram model (moderation.ngram_model) for Arabic
in Arabic script (MSA and dialects) and in Arabizi.

The cold-start model ships inside the package (`moderation/data/arabic_model/`, trained
by `python -m moderation.data.train_arabic` on the project's own `arabic.jsonl`). Models
retrained on this site's moderators (`commentmod learn`) live in `<models dir>/arabic/`,
and the one named in its `active` file is used instead. A version is the digest of the
model's arrays, so a score names the exact weights behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from moderation.ngram_model import NgramModel

PACKAGED = Path(__file__).resolve().parent.parent / "data" / "arabic_model"
SUBDIR = "arabic"


def active_dir(models_dir: Path) -> Path | None:
    """The directory of the site's active Arabic model version, if one was activated."""
    pointer = models_dir / SUBDIR / "active"
    try:
        version = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = models_dir / SUBDIR / version
    return path if version and (path / "model.json").is_file() else None


class ArabicScorer:
    name = "arabic"
    languages: tuple[str, ...] = ("ar",)

    def __init__(
        self, model: NgramModel, models_dir: Path | None = None, source: Path = PACKAGED
    ) -> None:
        self.model = model
        self.labels: tuple[str, ...] = model.labels
        self.version = model.version
        self.models_dir, self.source = models_dir, source

    @classmethod
    def load(cls, directory: Path = PACKAGED) -> ArabicScorer:
        return cls(NgramModel.load(directory))

    @classmethod
    def load_active(cls, models_dir: Path) -> ArabicScorer:
        """The site's active version, else the packaged cold-start model."""
        source = active_dir(models_dir) or PACKAGED
        return cls(NgramModel.load(source), models_dir, source)

    def reloaded(self) -> ArabicScorer | None:
        """A scorer for the active version when it is no longer this one."""
        if self.models_dir is None or (active_dir(self.models_dir) or PACKAGED) == self.source:
            return None
        return ArabicScorer.load_active(self.models_dir)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        return await asyncio.to_thread(self.model.score, texts)
