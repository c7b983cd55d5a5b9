"""The human-labelled English sets in `../shared/datasets/`, read into Examples with a
deterministic train / validation / test split.

The project ships none of their texts: only what `moderation.learning.realdata` derives
from them (embeddings and labels). This module reads the originals when they are present.

- Davidson et al. 2017 (MIT): tweets; class 0 hate speech, 1 offensive language,
  2 neither. toxicity = hate or offensive; identity_attack = hate.
- Surge AI toxicity 2022 (MIT): social-media comments, toxic or not (toxicity only).

A row's split is a hash of its cleaned text, so the same text always falls in the same
split (duplicates never straddle training and validation) and adding rows moves nothing.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from collections.abc import Iterator
from pathlib import Path

from moderation.learning.examples import Example

DEFAULT_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
DAVIDSON = Path("davidson-2017") / "labeled_data.csv"
SURGE = Path("surge-toxicity-2022") / "toxicity_en.csv"
# Share of each set, per mille, that goes to validation and to test (the rest trains).
HELD_BACK = {"davidson": (150, 150), "surge": (200, 200)}
# Example.extra key: True where the raters did not agree whether it is civil (Davidson
# records each rater's vote; Surge one judgement per comment).
CONTESTED = "contested"
# Davidson is 77% "offensive language", mostly the same few slurs: every hate and
# "neither" tweet is kept, and this share (per mille) of the offensive ones.
DAVIDSON_OFFENSIVE_KEEP = 300

_RETWEET = re.compile(r"^\s*(?:RT\s+)?(?:@\w+:?\s*)+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+:?")
_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")


def contested_civil(example: Example) -> bool:
    """Civil by its raters' majority, abuse to at least one of them (a third of
    Davidson's "neither" tweets, mostly slurs and profanity that one rater of three
    flagged): not civil enough to teach "publish", nor abusive enough to teach "hold"."""
    return bool(example.extra.get(CONTESTED)) and example.labels.get("toxicity") == 0


def clean(text: str) -> str:
    """A tweet made to look like a comment: no RT/@-mention prefix, no URLs, no entities."""
    text = html.unescape(html.unescape(text))
    text = _RETWEET.sub("", text)
    text = _MENTION.sub("", _URL.sub("", text))
    return _SPACE.sub(" ", text).strip(" :\"'")


def bucket(text: str) -> int:
    """0-999, fixed for a text."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") % 1000


def split_of(text: str, corpus: str) -> str:
    validation, test = HELD_BACK[corpus]
    b = bucket(text)
    if b < validation:
        return "validation"
    if b < validation + test:
        return "test"
    return "train"


def _davidson(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = clean(row["tweet"])
            if len(text) < 3:
                continue
            kind = {"0": "hate", "1": "offensive", "2": "neither"}[row["class"]]
            # Keep a stable share of offensive tweets (by another hash than the split's).
            if kind == "offensive" and bucket("keep:" + text) >= DAVIDSON_OFFENSIVE_KEEP:
                continue
            labels = {"toxicity": int(kind != "neither"), "identity_attack": int(kind == "hate")}
            # Raters split when some called it civil and some not: a third of the
            # "neither" tweets, most of them abuse that one rater of three saw.
            civil_votes, votes = int(row["neither"]), int(row["count"])
            contested = 0 < civil_votes < votes
            yield Example(
                text,
                labels,
                1.0,
                kind,
                split_of(text, "davidson"),
                extra={CONTESTED: contested},
            )


def _surge(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = _SPACE.sub(" ", row["text"]).strip()
            toxic = int(row["is_toxic"].strip().lower() == "toxic")
            yield Example(
                text,
                {"toxicity": toxic},
                1.0,
                "toxic" if toxic else "civil",
                split_of(text, "surge"),
            )


def load(root: Path = DEFAULT_ROOT) -> dict[str, list[Example]]:
    """{corpus: examples}, duplicates (same cleaned text) dropped, first one kept."""
    out: dict[str, list[Example]] = {}
    for name, relative, reader in (("davidson", DAVIDSON, _davidson), ("surge", SURGE, _surge)):
        path = root / relative
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; is {root} the shared datasets folder?")
        seen: set[str] = set()
        rows = []
        for example in reader(path):
            if example.text not in seen:
                seen.add(example.text)
                rows.append(example)
        out[name] = rows
    return out
