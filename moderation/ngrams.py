"""Hashed character and word n-grams: the features of the project's own n-gram models.

A text is folded first (moderation.folding: case, Arabic normalisation), runs of three
or more of one character shortened to two ("حمااااار", "7maaar"), and each Arabizi
word also given its letters-only spelling ("7mar" -> "hmar"). Features are character
n-grams of 2 to 5 inside each word (padded with spaces) and word unigrams and bigrams,
hashed with CRC-32 into `size` buckets, counted sublinearly (1 + log n) and scaled to
unit length. CRC-32 is fixed by zlib, so the same text gives the same features on every
machine and version: the model's weights stay plain arrays.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from functools import lru_cache

from moderation.folding import normalise_arabic
from moderation.wordforms import arabizi_form

DEFAULT_SIZE = 1 << 16
CHAR_NGRAMS = (2, 5)

_RUN = re.compile(r"(.)\1{2,}", re.S)
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The normalised words of a text, Arabizi words followed by their lettered form."""
    folded = _RUN.sub(r"\1\1", normalise_arabic(text))
    out: list[str] = []
    for word in _WORD.findall(folded):
        out.append(word)
        spelled = arabizi_form(word)
        if spelled is not None:
            out.append(spelled)
    return out


def _hash(feature: str, size: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % size


def features(text: str, size: int = DEFAULT_SIZE) -> dict[int, float]:
    """Bucket -> weight, unit length; empty for a text without words."""
    # Training and evaluation featurise the same texts again and again.
    return dict(_features(text, size)) if len(text) <= 2000 else _features_now(text, size)


def _features_now(text: str, size: int) -> dict[int, float]:
    tokens = words(text)
    counts: Counter[str] = Counter()
    low, high = CHAR_NGRAMS
    for word in tokens:
        counts["w:" + word] += 1
        padded = f" {word} "
        for n in range(low, min(high, len(padded)) + 1):
            for i in range(len(padded) - n + 1):
                counts["c:" + padded[i : i + n]] += 1
    for a, b in itertools.pairwise(tokens):
        counts[f"b:{a} {b}"] += 1
    buckets: dict[int, float] = {}
    for feature, count in counts.items():
        bucket = _hash(feature, size)
        buckets[bucket] = buckets.get(bucket, 0.0) + 1.0 + math.log(count)
    norm = math.sqrt(sum(v * v for v in buckets.values()))
    return {k: v / norm for k, v in buckets.items()} if norm else {}


_features = lru_cache(maxsize=8192)(_features_now)
