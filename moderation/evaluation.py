"""How a hold threshold does against moderators' decisions.

An example is (model score, truth): truth is True when a moderator rejected the
comment. A comment is held when its score is at or above the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ThresholdReport:
    threshold: float
    examples: int
    toxic: int
    held: int
    # Held but approved by a moderator, and toxic but let through.
    wrong_holds: int
    missed: int
    precision: float | None
    recall: float | None
    # The highest threshold that holds every toxic example the current one holds, and what
    # it would have held and held wrongly: the same catch for fewer (or as many) wrong holds.
    same_recall_threshold: float | None
    same_recall_held: int
    same_recall_wrong_holds: int


def _count(examples: Sequence[tuple[float, bool]], threshold: float) -> tuple[int, int]:
    held = [toxic for score, toxic in examples if score >= threshold]
    return len(held), held.count(False)


def evaluate(examples: Sequence[tuple[float, bool]], threshold: float) -> ThresholdReport:
    toxic = sum(truth for _, truth in examples)
    held, wrong = _count(examples, threshold)
    caught = held - wrong
    caught_scores = [score for score, truth in examples if truth and score >= threshold]
    # Raising the threshold to the lowest score among the toxic examples already caught
    # keeps every one of them, and lets through every approved one that scored below it.
    same = min(caught_scores) if caught_scores else None
    same_held, same_wrong = _count(examples, same) if same is not None else (0, 0)
    return ThresholdReport(
        threshold=threshold,
        examples=len(examples),
        toxic=toxic,
        held=held,
        wrong_holds=wrong,
        missed=toxic - caught,
        precision=caught / held if held else None,
        recall=caught / toxic if toxic else None,
        same_recall_threshold=same,
        same_recall_held=same_held,
        same_recall_wrong_holds=same_wrong,
    )
