"""Toxicity scorers and the choice of the active one."""

from moderation.scorers.base import Scorer, ScorerUnavailable
from moderation.scorers.registry import load_scorer

__all__ = ["Scorer", "ScorerUnavailable", "load_scorer"]
