"""Hold a comment that contains a link, when the site pre-moderates links.

Found: ``http(s)://`` and ``ftp://`` URLs, ``www.`` hosts, and bare domains such as
``example.com/path`` whose last label is a known-looking TLD. Short TLDs that are also
words or file extensions ("in", "me", "to", "py", "md", ...) count only with a path
("youtu.be/x"), so a missing space ("fine.In the end") or a file name ("setup.py") is
no link; "e.g.", "3.5" and "Mr.Smith" never are. E-mail addresses are not links. The
text is folded like the word lists (NFKC, case, accents, zero-width characters), so
fullwidth "ｅｘａｍｐｌｅ.ｃｏｍ" counts; spelled-out "example dot com" does not.
"""

from __future__ import annotations

import re

from moderation.decision import Outcome, Reason, ReasonCode, Span, Status
from moderation.phases.base import PhaseInput
from moderation.wordlist import fold

_STRONG_TLDS = [
    "com",
    "net",
    "org",
    "info",
    "biz",
    "io",
    "co",
    "ly",
    "gl",
    "tv",
    "xyz",
    "app",
    "dev",
    "site",
    "online",
    "top",
    "club",
    "shop",
    "store",
    "blog",
    "news",
    "link",
    "live",
    "pro",
    "page",
    "wiki",
    "tech",
    "space",
    "website",
    "click",
    "one",
    "gov",
    "edu",
    "mil",
    "int",
    "ru",
    "uk",
    "de",
    "fr",
    "nl",
    "eu",
    "cn",
    "jp",
    "br",
    "au",
    "ca",
    "es",
    "ch",
    "se",
    "dk",
    "fi",
    "cz",
    "ua",
    "kr",
    "tw",
    "hk",
    "vn",
    "mx",
    "ar",
    "cl",
    "za",
    "nz",
    "ie",
    "gr",
    "hu",
    "ro",
    "sk",
    "bg",
    "hr",
    "lt",
    "lv",
    "ee",
    "il",
    "tr",
    "sg",
    "ph",
    "pk",
    "ng",
    "ke",
    "tk",
    "gg",
    "ws",
    "su",
    "ir",
]
_WEAK_TLDS = [
    "at",
    "be",
    "me",
    "in",
    "us",
    "no",
    "it",
    "to",
    "is",
    "so",
    "do",
    "go",
    "my",
    "am",
    "id",
    "ai",
    "la",
    "cc",
    "ml",
    "sh",
    "py",
    "md",
    "rs",
    "pl",
    "pt",
    "ps",
    "cf",
    "ga",
    "im",
]


def _alternation(tlds: list[str]) -> str:
    return "|".join(sorted(tlds, key=len, reverse=True))


_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_PATH = r"(?:[/?#][^\s<>\"'`]*)?"
_PORT = r"(?::\d{1,5})?"
_BEFORE = r"(?<![\w@.-])"
_LINK = re.compile(
    "|".join(
        (
            r"\b(?:https?|ftp)://[^\s<>\"'`]+",
            rf"{_BEFORE}www\d{{0,3}}\.{_LABEL}(?:\.{_LABEL})*{_PORT}{_PATH}",
            rf"{_BEFORE}(?:{_LABEL}\.)+(?:{_alternation(_STRONG_TLDS)})(?![\w-]){_PORT}{_PATH}",
            rf"{_BEFORE}(?:{_LABEL}\.)+(?:{_alternation(_WEAK_TLDS)}){_PORT}/[^\s<>\"'`]*",
        )
    )
)
_TRAILING = ".,;:!?'\""
_CLOSERS = {")": "(", "]": "["}
_SHOWN = 60


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from a link's end."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])):
            url = url[:-1]
        else:
            break
    return url


def find_links(text: str) -> list[Span]:
    """Spans of the links in text (offsets into text, end exclusive)."""
    folded = fold(text)
    spans = []
    for m in _LINK.finditer(folded.text):
        url = _trim(m.group())
        if url:
            start, end = folded.original_span(m.start(), m.start() + len(url))
            spans.append(Span(start, end))
    return spans


def _shown(link: str) -> str:
    return link if len(link) <= _SHOWN else link[: _SHOWN - 1] + "…"


def links(item: PhaseInput) -> Outcome:
    if not item.policy.premoderate_links:
        return Outcome()
    spans = find_links(item.text)
    if not spans:
        return Outcome()
    shown = ", ".join(dict.fromkeys(_shown(item.text[s.start : s.end]) for s in spans))
    noun = "link" if len(spans) == 1 else "links"
    reason = Reason(ReasonCode.LINKS, f"{len(spans)} {noun}: {shown}", tuple(spans))
    return Outcome(Status.PENDING, (reason,))
