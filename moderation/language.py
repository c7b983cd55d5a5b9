"""Language identification with py3langid, whose model ships inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

# Below these, a guess is too weak to hold a comment for: short texts are scored.
MIN_CONFIDENCE = 0.8
MIN_LETTERS = 12


@dataclass(frozen=True)
class Detected:
    # ISO 639-1 code, or None when the text is too short or the guess too weak.
    language: str | None
    confidence: float
    # The most likely language however weak (a report, never a reason to hold);
    # None only when the text is too short to guess.
    guess: str | None = None


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def warm_up() -> None:
    """Load the model now (about a second) rather than on the first comment."""
    _identifier()


def detect(text: str) -> Detected:
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return Detected(None, 0.0)
    language, confidence = _identifier().classify(text)
    confidence = float(confidence)
    return Detected(
        str(language) if confidence >= MIN_CONFIDENCE else None, confidence, str(language)
    )
