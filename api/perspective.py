"""The Perspective API's protocol (comments:analyze, comments:suggestscore), served from
our own scorer, so that Coral Talk, `perspective-api-client` and moderation bots can
switch to commentmod by changing one URL.

Scoring goes through the same micro-batcher, scorer and timeout as addComment. The
analysed text is never stored or logged; a suggestscore text is stored only when
doNotStore is false. Errors have Perspective's shape:
``{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.runtime import Runtime
from api.services import feedback
from api.services.apikeys import KeyGuard
from models.tables import FeedbackExample
from moderation.language import detect
from moderation.scorers.base import Scorer
from moderation.scorers.perspective import ATTRIBUTES
from moderation.scorers.routing import route_of, scorer_for

logger = logging.getLogger("commentmod.perspective")

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


class PerspectiveError(Exception):
    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message

    def response(self) -> JSONResponse:
        body = {"error": {"code": self.code, "message": self.message, "status": self.status}}
        headers = {"Retry-After": "1"} if self.code == 429 else None
        return JSONResponse(body, status_code=self.code, headers=headers)


def invalid(message: str) -> PerspectiveError:
    return PerspectiveError(400, "INVALID_ARGUMENT", message)


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


def _probability_score(value: float) -> dict[str, object]:
    return {"value": value, "type": "PROBABILITY"}


class PerspectiveEndpoint:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.guard = KeyGuard(runtime)

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            verdict = await self.guard.check(
                request.query_params.get("key") or request.headers.get("x-goog-api-key")
            )
        except Exception as exc:
            logger.warning("cannot check API keys: %s", type(exc).__name__)
            raise PerspectiveError(
                503, "UNAVAILABLE", "The key store is unavailable; try again later."
            ) from None
        if verdict.refusal == "missing":
            raise PerspectiveError(
                401, "UNAUTHENTICATED", "The request is missing a valid API key."
            )
        if verdict.refusal == "invalid":
            raise PerspectiveError(
                403, "PERMISSION_DENIED", "API key not valid. Please pass a valid API key."
            )
        if verdict.refusal == "rate_limited":
            raise PerspectiveError(
                429,
                "RESOURCE_EXHAUSTED",
                f"Quota exceeded: at most {verdict.limit} requests per second for this key.",
            )
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise invalid(f"Request payload too large: at most {MAX_BODY_BYTES} bytes.")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise invalid("Invalid JSON payload received.") from None
        if not isinstance(body, dict):
            raise invalid("Invalid JSON payload received: expected an object.")
        return body

    def _languages(
        self, common: Common, attributes: Sequence[str]
    ) -> tuple[list[str], list[str], Scorer]:
        """(languages the text is scored as, languages detected, the scorer for them);
        refuses languages no configured scorer was trained on, as Perspective does."""
        scoring = self.runtime.scoring
        route = route_of(scoring, common.text)
        detected = route.language
        supported = scoring.languages
        wanted = [primary(lang) for lang in common.languages]
        if not wanted and detected is not None:
            wanted = [detected]
        unsupported = [lang for lang in wanted if lang not in supported]
        if unsupported:
            raise invalid(
                f"Attribute {attributes[0]} does not support request languages: "
                f"{', '.join(unsupported)}"
            )
        used = list(common.languages) or [detected or supported[0]]
        # The scorer for the language asked for; the batcher when that is the text's route.
        chosen = scorer_for(scoring, wanted[0]) if wanted else None
        scorer: Scorer = scoring if chosen is None or chosen is route.scorer else chosen
        return used, [detected] if detected else [], scorer

    async def _score(
        self, texts: list[str], scorer: Scorer | None = None
    ) -> list[dict[str, float]]:
        scorer = scorer or self.runtime.scoring
        try:
            async with asyncio.timeout(self.runtime.settings.scorer_timeout):
                return await scorer.score(texts)
        except Exception as exc:
            # The type only: a message could quote the text, which may not be logged.
            logger.warning("scorer %s failed: %s", scorer.name, type(exc).__name__)
            raise PerspectiveError(
                503, "UNAVAILABLE", "The scoring model is unavailable; try again later."
            ) from None

    async def analyze(self, request: Request) -> JSONResponse:
        try:
            parsed = parse_analyze(await self._body(request))
            text = parsed.common.text
            languages, detected, scorer = self._languages(parsed.common, list(parsed.attributes))
            # The labels of the model that reads this text (a router's per-language one).
            model = route_of(scorer, text).scorer
            labels = model.labels
            for name in parsed.attributes:
                if ATTRIBUTES[name] not in labels:
                    raise invalid(
                        f"Attribute {name} is not available from this server's model "
                        f"({model.name}); available: "
                        + ", ".join(a for a, label in ATTRIBUTES.items() if label in labels)
                    )
            spans = sentence_spans(text) if parsed.span_annotations else []
            if len(spans) <= 1:
                spans = [(0, len(text))] if parsed.span_annotations else []
                (summary,) = await self._score([text], scorer)
                per_span = [summary] if spans else []
            else:
                # The whole text and every sentence in one batch.
                summary, *per_span = await self._score(
                    [text, *(text[begin:end] for begin, end in spans)], scorer
                )
        except PerspectiveError as exc:
            return exc.response()
        scores: dict[str, object] = {}
        for name, threshold in parsed.attributes.items():
            value = summary[ATTRIBUTES[name]]
            if threshold is not None and value < threshold:
                continue
            entry: dict[str, object] = {"summaryScore": _probability_score(value)}
            if spans:
                entry["spanScores"] = [
                    {
                        "begin": begin,
                        "end": end,
                        "score": _probability_score(s.get(ATTRIBUTES[name], value)),
                    }
                    for (begin, end), s in zip(spans, per_span, strict=True)
                ]
            scores[name] = entry
        body: dict[str, object] = {
            "attributeScores": scores,
            "languages": languages,
            "detectedLanguages": detected,
        }
        if parsed.common.client_token is not None:
            body["clientToken"] = parsed.common.client_token
        return JSONResponse(body)

    async def suggest(self, request: Request) -> JSONResponse:
        try:
            parsed = parse_suggest(await self._body(request))
            common = parsed.common
            scorer = self.runtime.scoring
            try:
                (now,) = await self._score([common.text])
            except PerspectiveError:
                # A suggestion is worth keeping even when the model cannot say what it thinks.
                now = {}
            examples = [
                FeedbackExample(
                    text=None if common.do_not_store else common.text,
                    label=ATTRIBUTES[name],
                    value=value,
                    source="suggestscore",
                    model_score=now.get(ATTRIBUTES[name]),
                    model=route_of(scorer, common.text).model,
                    client_token=common.client_token,
                    community_id=common.community_id,
                )
                for name, value in parsed.scores.items()
            ]
            try:
                await feedback.store_suggestions(self.runtime, examples)
            except Exception as exc:
                logger.warning("could not store suggested scores: %s", type(exc).__name__)
                raise PerspectiveError(
                    503, "UNAVAILABLE", "The feedback store is unavailable; try again later."
                ) from None
        except PerspectiveError as exc:
            return exc.response()
        detected = detect(common.text).language
        body: dict[str, object] = {
            "detectedLanguages": [detected] if detected else [],
            "requestedLanguages": list(common.languages),
        }
        if common.client_token is not None:
            body["clientToken"] = common.client_token
        return JSONResponse(body)


_KEY_PARAM = re.compile(r"([?&]key=)[^&\s]*")


class RedactKeys(logging.Filter):
    """Perspective clients put the key in the query string; access logs print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _KEY_PARAM.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def perspective_routes(runtime: Runtime) -> list[Route]:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeys) for f in access.filters):
        access.addFilter(RedactKeys())
    endpoint = PerspectiveEndpoint(runtime)

    async def unknown(request: Request) -> JSONResponse:
        # Anything else under the prefix still answers in the shape clients parse.
        method = f"{request.method} {request.url.path}"
        return PerspectiveError(404, "NOT_FOUND", f"Method not found: {method}").response()

    return [
        Route("/v1alpha1/comments:analyze", endpoint.analyze, methods=["POST"]),
        Route("/v1alpha1/comments:suggestscore", endpoint.suggest, methods=["POST"]),
        Route("/v1alpha1/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
