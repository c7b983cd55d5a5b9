"""Moderation phases: each one small module with one job, composed by the pipeline."""

from moderation.phases.base import Phase, PhaseInput

__all__ = ["Phase", "PhaseInput"]
