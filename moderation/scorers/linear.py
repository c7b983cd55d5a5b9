"""The bundled scorer: alt-profanity-check's linear SVM, shipped inside its wheel."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from importlib.metadata import version


class LinearScorer:
    name = "linear"
    labels: tuple[str, ...] = ("toxicity",)
    languages: tuple[str, ...] = ("en",)

    def __init__(self) -> None:
        # Importing loads the pickled model from the package; no network involved.
        from profanity_check import predict_prob

        self._predict_prob = predict_prob
        self.version = f"alt-profanity-check-{version('alt-profanity-check')}"

    def _score_sync(self, texts: Sequence[str]) -> list[dict[str, float]]:
        probabilities = self._predict_prob(list(texts))
        return [{"toxicity": float(p)} for p in probabilities]

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        # scikit-learn releases the GIL for little of this, but it keeps the loop free.
        return await asyncio.to_thread(self._score_sync, texts)
