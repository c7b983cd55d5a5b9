"""Turns a scorer name from settings into a loaded Scorer, saying why it was chosen."""

from __future__ import annotations

from dataclasses import dataclass

from moderation.scorers.base import Scorer


class ScorerConfigError(Exception):
    """An explicitly named scorer cannot be loaded; startup must stop."""


@dataclass(frozen=True)
class LoadedScorer:
    scorer: Scorer
    why: str


def load_scorer(name: str) -> LoadedScorer:
    from moderation.scorers.linear import LinearScorer

    name = name.strip().lower()
    if name == "auto":
        return LoadedScorer(
            LinearScorer(),
            "auto: no other scorer is configured; using the bundled linear model",
        )
    if name == "linear":
        return LoadedScorer(LinearScorer(), "configured: COMMENTMOD_SCORER=linear")
    raise ScorerConfigError(f"unknown scorer {name!r}; expected one of: auto, linear")
