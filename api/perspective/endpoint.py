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
import logging
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.http import jsonbody
from api.http.jsonbody import InvalidJSON
from api.observability import metrics
from api.perspective.protocol import (
    MAX_BODY_BYTES,
    Common,
    ProtocolError,
    invalid,
    parse_analyze,
    parse_suggest,
    primary,
    sentence_spans,
)
from api.runtime import Runtime
from api.services import feedback
from api.services.apikeys import KeyGuard
from models.tables import FeedbackExample
from moderation.language import detect
from moderation.scorers.base import Scorer
from moderation.scorers.perspective import ATTRIBUTES
from moderation.scorers.routing import route_of, scorer_for

logger = logging.getLogger("commentmod.perspective")


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
            raise ProtocolError(
                503, "UNAVAILABLE", "The key store is unavailable; try again later."
            ) from None
        if verdict.refusal == "missing":
            raise ProtocolError(401, "UNAUTHENTICATED", "The request is missing a valid API key.")
        if verdict.refusal == "invalid":
            raise ProtocolError(
                403, "PERMISSION_DENIED", "API key not valid. Please pass a valid API key."
            )
        if verdict.refusal == "rate_limited":
            raise ProtocolError(
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
            body = jsonbody.decode(raw)
        except InvalidJSON as exc:
            raise invalid(f"Invalid JSON payload received: {exc}.") from None
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
        return used, _reported(detected, common.text), scorer

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
            metrics.scorer_unavailable(scorer.name, scorer.version, "perspective")
            raise ProtocolError(
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
        except ProtocolError as exc:
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
            except ProtocolError:
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
                await feedback.store_suggestions(self.runtime.db, examples)
            except Exception as exc:
                logger.warning("could not store suggested scores: %s", type(exc).__name__)
                raise ProtocolError(
                    503, "UNAVAILABLE", "The feedback store is unavailable; try again later."
                ) from None
        except ProtocolError as exc:
            return exc.response()
        body: dict[str, object] = {
            "detectedLanguages": _reported(
                route_of(self.runtime.scoring, common.text).language, common.text
            ),
            "requestedLanguages": list(common.languages),
        }
        if common.client_token is not None:
            body["clientToken"] = common.client_token
        return JSONResponse(body)


def _reported(detected: str | None, text: str) -> list[str]:
    """detectedLanguages: the routed language, else the detector's best guess, reported
    like Perspective does even when too weak to pick the scoring language."""
    language = detected or detect(text).guess
    return [language] if language else []
