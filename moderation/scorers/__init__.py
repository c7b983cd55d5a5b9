"""Toxicity scorers and the choice of the active one."""

from moderation.scorers.base import LABELS, Scorer
from moderation.scorers.registry import LoadedScorer, ScorerOptions, load_scorer

__all__ = ["LABELS", "LoadedScorer", "Scorer", "ScorerOptions", "load_scorer"]
