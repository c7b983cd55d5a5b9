"""What a phase sees and the shape every phase has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from moderation.author import AuthorFacts
from moderation.decision import Outcome
from moderation.external import Verdict
from moderation.policy import Policy


@dataclass(frozen=True)
class PhaseInput:
    text: str
    policy: Policy
    # None when the scorer failed (scorer_error says why) or was not asked.
    scores: dict[str, float] | None = None
    scorer_error: str | None = None
    # The detected language, None when uncertain; and those the scorer covers.
    language: str | None = None
    scorer_languages: tuple[str, ...] = ()
    author: AuthorFacts = field(default_factory=AuthorFacts)
    # The external moderation endpoint's answer; None when none is configured.
    external: Verdict | None = None


class Phase(Protocol):
    def __call__(self, item: PhaseInput) -> Outcome: ...
