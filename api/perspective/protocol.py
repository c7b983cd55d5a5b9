"""The Perspective API's request shapes and errors: parsing and validating what clients send.

Errors have Perspective's shape:
``{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from starlette.responses import JSONResponse

from moderation.scorers.perspective import ATTRIBUTES

# Perspective's limit: 20 KB of UTF-8.
MAX_TEXT_BYTES: Final = 20480
# Far above any valid request (20 KB of text, escaped, plus a few fields).
MAX_BODY_BYTES: Final = 256 * 1024
MAX_TOKEN = 200
# Span annotations score each sentence; past this many, the last span takes the rest.
MAX_SPANS: Final = 64

ANALYZE_FIELDS: Final = frozenset(
    {
        "comment",
        "context",
        "requestedAttributes",
        "languages",
        "doNotStore",
        "spanAnnotations",
        "clientToken",
        "communityId",
        "sessionId",
    }
)
SUGGEST_FIELDS: Final = frozenset(
    {
        "comment",
        "context",
        "attributeScores",
        "languages",
        "doNotStore",
        "clientToken",
        "communityId",
        "sessionId",
    }
)


class ProtocolError(Exception):
    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message

    def response(self) -> JSONResponse:
        body = {"error": {"code": self.code, "message": self.message, "status": self.status}}
        headers = {"Retry-After": "1"} if self.code == 429 else None
        return JSONResponse(body, status_code=self.code, headers=headers)


def invalid(message: str) -> ProtocolError:
    return ProtocolError(400, "INVALID_ARGUMENT", message)


@dataclass(frozen=True)
class Common:
    """The fields both methods share."""

    text: str
    languages: tuple[str, ...]
    do_not_store: bool
    client_token: str | None
    community_id: str | None


@dataclass(frozen=True)
class Analyze:
    common: Common
    # attribute -> scoreThreshold (None: report whatever the score)
    attributes: dict[str, float | None]
    span_annotations: bool


@dataclass(frozen=True)
class Suggest:
    common: Common
    # attribute -> suggested score
    scores: dict[str, float]


def _object(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"Invalid value at '{name}': expected an object")
    return value


def _optional(body: Mapping[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise invalid(f"Invalid value at '{name}': expected {kind.__name__}")
    return value


def _probability(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise invalid(f"Invalid value at '{name}': expected a number from 0 to 1")
    if math.isnan(value):
        raise invalid(f"Invalid value at '{name}': expected a number from 0 to 1")
    return float(value)


def _attribute(name: str) -> str:
    if name not in ATTRIBUTES:
        raise invalid(f"Unknown attribute: {name}. Known attributes: {', '.join(ATTRIBUTES)}")
    return name


def _common(body: dict[str, Any], fields: frozenset[str]) -> Common:
    for name in body:
        if name not in fields:
            raise invalid(f'Invalid JSON payload received. Unknown name "{name}": no such field.')
    comment = _object(body.get("comment"), "comment")
    text = comment.get("text")
    if not isinstance(text, str):
        raise invalid("Invalid value at 'comment.text': expected a string")
    if comment.get("type", "PLAIN_TEXT") != "PLAIN_TEXT":
        raise invalid("Invalid value at 'comment.type': only PLAIN_TEXT is supported")
    if not text.strip():
        raise invalid("Comment text must be non-empty.")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise invalid("Comment text must be valid Unicode (no lone surrogates).") from None
    # As for comments: no database stores NUL everywhere (PostgreSQL refuses it).
    if "\x00" in text:
        raise invalid("Comment text must not contain NUL characters.")
    if size > MAX_TEXT_BYTES:
        raise invalid(f"Comment text too long: {size} bytes; at most {MAX_TEXT_BYTES} allowed.")
    languages = _optional(body, "languages", list) or []
    if not all(isinstance(lang, str) and lang.strip() for lang in languages):
        raise invalid("Invalid value at 'languages': expected a list of language codes")
    tokens = {}
    for name in ("clientToken", "communityId", "sessionId"):
        value = _optional(body, name, str)
        if value is not None and len(value) > MAX_TOKEN:
            raise invalid(f"Invalid value at '{name}': at most {MAX_TOKEN} characters")
        if value is not None and "\x00" in value:
            raise invalid(f"Invalid value at '{name}': must not contain NUL characters")
        tokens[name] = value
    if body.get("context") is not None:
        _object(body["context"], "context")
    return Common(
        text=text,
        languages=tuple(languages),
        do_not_store=bool(_optional(body, "doNotStore", bool)),
        client_token=tokens["clientToken"],
        community_id=tokens["communityId"],
    )


def parse_analyze(body: dict[str, Any]) -> Analyze:
    common = _common(body, ANALYZE_FIELDS)
    requested = _object(body.get("requestedAttributes"), "requestedAttributes")
    if not requested:
        raise invalid("requestedAttributes must name at least one attribute.")
    attributes: dict[str, float | None] = {}
    for name, options in requested.items():
        _attribute(name)
        options = _object({} if options is None else options, f"requestedAttributes.{name}")
        threshold = options.get("scoreThreshold")
        attributes[name] = (
            None
            if threshold is None
            else _probability(threshold, f"requestedAttributes.{name}.scoreThreshold")
        )
        if options.get("scoreType", "PROBABILITY") != "PROBABILITY":
            raise invalid(f"Attribute {name} only supports scoreType PROBABILITY")
    return Analyze(
        common=common,
        attributes=attributes,
        span_annotations=bool(_optional(body, "spanAnnotations", bool)),
    )


def parse_suggest(body: dict[str, Any]) -> Suggest:
    common = _common(body, SUGGEST_FIELDS)
    given = _object(body.get("attributeScores"), "attributeScores")
    if not given:
        raise invalid("attributeScores must name at least one attribute.")
    scores: dict[str, float] = {}
    for name, entry in given.items():
        _attribute(name)
        summary = _object(_object(entry, f"attributeScores.{name}").get("summaryScore"), name)
        scores[name] = _probability(
            summary.get("value"), f"attributeScores.{name}.summaryScore.value"
        )
    return Suggest(common=common, scores=scores)


def primary(language: str) -> str:
    """'en-US' -> 'en': the scorer's languages are ISO 639-1 codes."""
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()


_SENTENCE_END = re.compile(r"[.!?…]+(?=\s)|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character offsets of each sentence (end exclusive), without surrounding blanks."""
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    spans = []
    for begin, end in zip([0, *cuts], [*cuts, len(text)], strict=True):
        piece = text[begin:end]
        if piece.strip():
            start = begin + len(piece) - len(piece.lstrip())
            spans.append((start, start + len(piece.strip())))
    if len(spans) > MAX_SPANS:
        spans[MAX_SPANS - 1 :] = [(spans[MAX_SPANS - 1][0], spans[-1][1])]
    return spans
