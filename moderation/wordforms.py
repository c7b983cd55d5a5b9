"""Comment tokens and the forms each may stand for (see moderation.wordlist).

A token is a run of letters, digits, marks and the leet symbols ``@ $ | €`` (and ``!``
inside or before a word). Each token is looked up under a few bounded alternative
forms: leetspeak, Cyrillic and Greek look-alikes, and for Arabic an Arabic token
without its proclitic (``ال و ف ب ل ك`` and their combinations, when three letters
remain: "والحمار" is looked up as "حمار" too), and for Arabizi (Arabic in Latin
letters) the digits read as letters: 7 -> h, 5 -> kh, while 3 (ع) and 2 (ء, ق) are
dropped, so "7mar" meets "hmar" and "yel3an" meets "yelan".
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from moderation.folding import CACHED_LEN, is_arabic

# -- tokens --------------------------------------------------------------------------

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"


def _char_ranges(codes: list[int]) -> str:
    """A regex character-class body for the given code points, as ranges."""
    out: list[str] = []
    for _, group in itertools.groupby(enumerate(codes), lambda pair: pair[1] - pair[0]):
        run = [code for _, code in group]
        first, last = chr(run[0]), chr(run[-1])
        out.append(re.escape(first) if first == last else f"{re.escape(first)}-{re.escape(last)}")
    return "".join(out)


@lru_cache(maxsize=1)
def token_re() -> re.Pattern[str]:
    """Built on first use: scanning Unicode for combining marks takes ~20 ms."""
    marks = [
        code
        for block in (range(0x0300, 0x20000), range(0xE0100, 0xE01F0))
        for code in block
        if unicodedata.category(chr(code))[0] == "M"
    ]
    word = rf"(?:[^\W_{_CJK}]|[{_char_ranges(marks)}@$|€])"
    # "!" is a letter inside or before a word ("sh!t", "!diot"), punctuation after it.
    # Possessive: no backtracking, so a failed fullmatch can't go exponential.
    # A "!" run starts a token only at its first "!" (else "!!!!" scans quadratically).
    return re.compile(rf"[{_CJK}]|(?:{word}++|(?<!!)!++(?={word}))++")


# The same tokens for ASCII text, four times faster.
ASCII_TOKEN = re.compile(r"(?:[A-Za-z0-9@$|]++|(?<!!)!++(?=[A-Za-z0-9@$|]))++")


def tokens(text: str) -> tuple[list[int], list[int], list[str]]:
    starts: list[int] = []
    ends: list[int] = []
    keys: list[str] = []
    pattern = ASCII_TOKEN if text.isascii() else token_re()
    for m in pattern.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
        keys.append(m.group())
    return starts, ends, keys


# -- shapes and variants -------------------------------------------------------------

_RUNS = re.compile(r"(.)\1*", re.S)
_DOUBLE = re.compile(r"(.)\1", re.S)


def shape(form: str) -> tuple[str, str]:
    return shape_cached(form) if len(form) <= CACHED_LEN else _shape_now(form)


def _shape_now(form: str) -> tuple[str, str]:
    """(skeleton, run signature): "fuuuck" -> ("fuck", "1+11"); "good" -> ("god", "121").

    Signature characters: "1" single, "2" double, "+" three or more. A number keeps
    its exact run lengths (no "+"), so "888" never stands for "88".
    """
    if _DOUBLE.search(form) is None:
        return form, "1" * len(form)
    runs = [m.group() for m in _RUNS.finditer(form)]
    skeleton = "".join(run[0] for run in runs)
    if form.isdigit():
        return skeleton, "".join(str(min(len(run), 9)) for run in runs)
    return skeleton, "".join("1" if len(r) == 1 else "2" if len(r) == 2 else "+" for r in runs)


shape_cached = lru_cache(maxsize=1 << 16)(_shape_now)


def sigs_match(text_sigs: tuple[str, ...], entry_sigs: tuple[str, ...]) -> bool:
    if text_sigs == entry_sigs:
        return True
    return all(
        t == e or all(a == b or a == "+" for a, b in zip(t, e, strict=True))
        for t, e in zip(text_sigs, entry_sigs, strict=True)
    )


_LEET: dict[str, str] = {
    "0": "o",
    "1": "il",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "il",
    "€": "e",
}
_LEET_CHARS = frozenset(_LEET)
_MAX_LEET_FORMS = 16

# Cyrillic and Greek letters that look like Latin ones (lower case, after folding).
_LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ӏ": "l",
        "к": "k",
        "α": "a",
        "ο": "o",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ρ": "p",
        "υ": "u",
    }
)


def _leet_forms(token: str) -> list[str]:
    if _LEET_CHARS.isdisjoint(token):
        return []
    if not any(c.isalpha() for c in token):
        # No letters: only a word made of leet symbols ("@$$"), never a number or "$$$".
        if any(c.isdigit() for c in token) or not _LEET_CHARS.issuperset(token):
            return []
        if len({_LEET[c][0] for c in token}) < 2:
            return []
    options = [_LEET.get(c, c) for c in token]
    count = 1
    for option in options:
        count *= len(option)
    if count > _MAX_LEET_FORMS:
        return ["".join(option[0] for option in options)]
    return ["".join(chars) for chars in itertools.product(*options)]


def variants(token: str) -> tuple[tuple[str, str], ...]:
    return variants_cached(token) if len(token) <= CACHED_LEN else _variants_now(token)


def _variants_now(token: str) -> tuple[tuple[str, str], ...]:
    """Every (skeleton, signature) a comment token may stand for."""
    if token.isascii() and token.isalpha():
        return (shape(token),)  # no leet, no look-alikes: the common case
    forms = [token]
    lookalike = token.translate(_LOOKALIKES)
    if lookalike != token:
        forms.append(lookalike)
    for form in list(forms):
        forms.extend(_leet_forms(form))
    arabizi = arabizi_form(token)
    if arabizi is not None:
        forms.append(arabizi)
    forms.extend(_without_proclitic(token))
    return tuple(dict.fromkeys(shape(form) for form in forms))


variants_cached = lru_cache(maxsize=1 << 16)(_variants_now)


# Longest first; a form is kept only when three letters remain.
_PROCLITICS = ("وال", "فال", "بال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")


def _without_proclitic(t: str) -> list[str]:
    """An Arabic token without the article or a one-letter conjunction or preposition."""
    if not t or not is_arabic(t[0]):
        return []
    return [t[len(p) :] for p in _PROCLITICS if t.startswith(p) and len(t) >= len(p) + 3]


_ARABIZI_DIGITS = frozenset("2357")
_ARABIZI = str.maketrans({"7": "h", "5": "kh", "3": None, "2": None})


def arabizi_form(token: str) -> str | None:
    """An Arabizi token (Latin letters with the digits 2 3 5 7) spelled with letters only."""
    if _ARABIZI_DIGITS.isdisjoint(token) or not token.isascii():
        return None
    if not all(c.isalpha() or c in _ARABIZI_DIGITS for c in token):
        return None
    form = token.translate(_ARABIZI)
    return form if sum(c.isalpha() for c in form) >= 2 and form != token else None
