"""The Scorer protocol every model implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from moderation.labels import LABELS

__all__ = ["LABELS", "Scorer"]


@runtime_checkable
class Scorer(Protocol):
    name: str
    version: str
    labels: tuple[str, ...]
    # ISO 639-1 codes the model was trained on.
    languages: tuple[str, ...]

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score a batch; one {label: probability} mapping per text, in order."""
        ...
