"""Labelled examples: the seed data set's rows and the site's moderator decisions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from moderation.labels import LABELS as SCORER_LABELS

# The labels the learned scorer predicts: the shared vocabulary but sexual_explicit.
LABELS: tuple[str, ...] = tuple(label for label in SCORER_LABELS if label != "sexual_explicit")

SEED_PATH = Path(__file__).resolve().parent.parent / "data" / "seed.jsonl"


@dataclass(frozen=True)
class Example:
    text: str
    # label -> 0 or 1; a label absent here is unknown and the example does not train it.
    labels: Mapping[str, int]
    weight: float = 1.0
    kind: str = ""
    split: str = "train"
    extra: Mapping[str, object] = field(default_factory=dict)


def load_seed(path: Path = SEED_PATH) -> list[Example]:
    rows: list[Example] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            labels = {label: int(row["labels"][label]) for label in LABELS}
            rows.append(Example(row["text"], labels, 1.0, row["kind"], row["split"]))
    return rows


def seed_split(split: str, path: Path = SEED_PATH) -> list[Example]:
    return [example for example in load_seed(path) if example.split == split]
