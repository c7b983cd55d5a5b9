"""What moderation knows about a comment's author, gathered by the caller."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

# The same text again within this window is a repeat post.
REPEAT_WINDOW = timedelta(minutes=6)

_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """The text as a repeat-post check compares it: NFKC, case-folded, and with
    punctuation, symbols and runs of whitespace reduced to single spaces, so that
    "Buy now!!" and "buy   NOW" are the same post."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


@dataclass(frozen=True)
class AuthorFacts:
    # The author's comments so far, in any status, and those approved.
    comment_count: int = 0
    approved_count: int = 0
    # A moderator put the author under pre-moderation.
    premoderated: bool = False
    # normalise() of the author's comments within REPEAT_WINDOW.
    recent_texts: frozenset[str] = frozenset()
