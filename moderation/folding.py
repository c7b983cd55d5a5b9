"""Folding text for matching, with a map back to the original's positions.

Per character cluster (a base character and the marks that follow it): Unicode NFKC,
then casefold. Latin, Greek and Cyrillic lose their accents (NFD, drop the marks), so
"Fück", "ＦＵＣＫ" and "ﬁ" fold to "fuck", "fuck" and "fi". Arabic gets the
normalisation Arabic readers' spelling needs: harakat (diacritics) and tatweel are
dropped, the hamza and madda forms of alef (أ إ آ ٱ) become bare ا, hamza on waw and
ya (ؤ ئ) the bare letter, alef maqsura ى becomes ي, ta marbuta ة becomes ه, and the
Persian look-alikes ک ی become ك ي; so "إنتَ حمـــار" and "انت حمار" fold alike. Other
scripts keep their marks (a kana's voicing mark or a Devanagari vowel sign changes the
word). Invisible format characters (zero-width space, soft hyphen) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Folded", "fold", "is_arabic", "normalise_arabic"]

# Caches hold only short keys: a comment can't pin megabytes of long junk tokens or
# "Zalgo" clusters of a thousand marks in memory.
CACHED_LEN = 40


def _strips_accents(char: str) -> bool:
    """Latin, Greek and Cyrillic lose their accents; other scripts keep their marks."""
    code = ord(char)
    return code < 0x0530 or 0x1E00 <= code < 0x2000


def is_arabic(char: str) -> bool:
    """A letter of the Arabic script (presentation forms included)."""
    code = ord(char)
    return (
        0x0600 <= code < 0x0700
        or 0x0750 <= code < 0x0780
        or 0x08A0 <= code < 0x0900
        or 0xFB50 <= code < 0xFE00
        or 0xFE70 <= code < 0xFF00
    )


# After NFD and dropping the marks (which turns أ إ آ ؤ ئ into ا ا ا و ي).
_ARABIC_LETTERS = str.maketrans(
    {"ٱ": "ا", "ى": "ي", "ة": "ه", "ک": "ك", "ی": "ي", "ـ": None, "\u0654": None}
)


@lru_cache(maxsize=8192)
def is_mark(char: str) -> bool:
    # Halfwidth kana voicing marks are letters (Lm) that NFKC turns into marks.
    return unicodedata.category(char)[0] == "M" or char in "\uff9e\uff9f"


def _fold_cluster(cluster: str) -> str:
    return fold_cluster_cached(cluster) if len(cluster) <= 4 else _fold_cluster_now(cluster)


def _fold_cluster_now(cluster: str) -> str:
    """One base character and its marks, folded: NFKC, casefold, maybe accents off."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
    decomposed = unicodedata.normalize("NFD", folded)
    if decomposed and _strips_accents(decomposed[0]):
        folded = "".join(c for c in decomposed if not is_mark(c))
    elif decomposed and is_arabic(decomposed[0]):
        folded = "".join(c for c in decomposed if not is_mark(c)).translate(_ARABIC_LETTERS)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


fold_cluster_cached = lru_cache(maxsize=8192)(_fold_cluster_now)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and the way back from its positions to the original's."""

    text: str
    # starts[i] / ends[i]: the original span that folded character i came from;
    # None when folding kept every position (ASCII text).
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span (end exclusive, non-empty) to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> Folded:
    """Fold text for matching (see the module docstring), keeping an offset map."""
    if text.isascii():
        return Folded(text.lower())
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    # ASCII stretches fold by lower() and keep their positions; only the rest goes
    # cluster by cluster.
    for m in _NON_ASCII.finditer(text):
        a, b = m.span()
        if a > pos and is_mark(text[a]):
            a -= 1  # a combining mark on an ASCII letter ("u" + U+0308)
        if a > pos:
            parts.append(text[pos:a].lower())
            starts.extend(range(pos, a))
            ends.extend(range(pos + 1, a + 1))
        i = a
        while i < b:
            j = i + 1
            while j < b and is_mark(text[j]):
                j += 1
            cluster = text[i:j]
            out = cluster.lower() if cluster.isascii() else _fold_cluster(cluster)
            if out:
                parts.append(out)
                starts.extend([i] * len(out))
                ends.extend([j] * len(out))
            elif ends:
                # Dropped (a lone accent, a zero-width space, a tatweel): it belongs
                # to what precedes.
                ends[-1] = j
            i = j
        pos = b
    if pos < len(text):
        parts.append(text[pos:].lower())
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    return Folded("".join(parts), tuple(starts), tuple(ends))


def normalise_arabic(text: str) -> str:
    """The folded text alone, for models: the same normalisation, no offset map."""
    return fold(text).text
