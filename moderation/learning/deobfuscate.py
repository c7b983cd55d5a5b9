"""Undo the common disguises of abusive words before encoding: leetspeak inside words
(`m0r0n`), letters spaced or dotted apart (`i.d.i.o.t`, `s t u p i d`), stretched
letters (`mooooron`). The scorer scores both the comment and its undisguised form
and keeps the higher score, so a plain comment is unaffected.
"""

from __future__ import annotations

import re

LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"}
)
# A token of letters, digits, $ and @, with ! only inside it ("pr!ck", not "Hello!").
_TOKEN = re.compile(r"[A-Za-z0-9$@]+(?:![A-Za-z0-9$@]+)*")
_HAS_LEET = re.compile(r"[013457$@!]")
_HAS_LETTER = re.compile(r"[A-Za-z]")
# Three or more single letters joined by one separator: "i.d.i.o.t", "s t u p i d".
_SPACED = re.compile(r"\b(?:[a-zA-Z][ .\-_*]){2,}[a-zA-Z]\b")
_STRETCHED = re.compile(r"([a-zA-Z])\1{2,}")


def _join(match: re.Match[str]) -> str:
    return re.sub(r"[ .\-_*]", "", match.group(0))


def _unleet(match: re.Match[str]) -> str:
    token = match.group(0)
    # Only words mixing letters with leet characters: never a plain number like 2024.
    if _HAS_LETTER.search(token) and _HAS_LEET.search(token):
        return token.translate(LEET)
    return token


def undisguise(text: str) -> str:
    text = _SPACED.sub(_join, text)
    text = _TOKEN.sub(_unleet, text)
    return _STRETCHED.sub(r"\1", text)
