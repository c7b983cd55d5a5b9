"""The knobs a site turns: thresholds and rules the phases read."""

from __future__ import annotations

from dataclasses import dataclass, field

from moderation.wordlist import WordList


@dataclass(frozen=True)
class Policy:
    hold_threshold: float = 0.8
    # Per-label overrides of hold_threshold, e.g. {"threat": 0.5}.
    label_thresholds: dict[str, float] = field(default_factory=dict)
    # Whole words and phrases: a banned one rejects the comment, a suspect one holds it.
    banned_words: WordList = field(default_factory=WordList)
    suspect_words: WordList = field(default_factory=WordList)
    # Hold every comment for a person (per-article overrides are resolved by the caller).
    premoderate_all: bool = False
    # Hold comments that contain a link.
    premoderate_links: bool = False
    # Score comments in languages the scorer was not trained on instead of holding them.
    score_unsupported_languages: bool = False
    # Hold each author's first N comments; 0 is off.
    new_commenter_hold: int = 0

    def threshold_for(self, label: str) -> float:
        return self.label_thresholds.get(label, self.hold_threshold)
