"""What a phase sees and the shape every phase has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from moderation.decision import Outcome
from moderation.policy import Policy


@dataclass(frozen=True)
class PhaseInput:
    text: str
    policy: Policy
    # None when the scorer failed; scorer_error then says why.
    scores: dict[str, float] | None = None
    scorer_error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


class Phase(Protocol):
    def __call__(self, item: PhaseInput) -> Outcome: ...
