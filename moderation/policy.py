"""The knobs a site turns: thresholds and rules the phases read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Policy:
    hold_threshold: float = 0.8
    # Per-label overrides of hold_threshold, e.g. {"threat": 0.5}.
    label_thresholds: dict[str, float] = field(default_factory=dict)

    def threshold_for(self, label: str) -> float:
        return self.label_thresholds.get(label, self.hold_threshold)
