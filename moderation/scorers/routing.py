"""Routing by language: each comment goes to the scorer that covers its language.

`RoutingScorer` wraps per-language scorers and is a Scorer itself (so the micro-batcher
and every caller take it as they took one model): a batch is split by route, each part
scored by its scorer, and the results put back in order. The first scorer is the
default: it scores texts whose language is uncertain (short Latin-script texts), and,
when a site asks for it, languages no scorer covers. `route` says, for one text, the
language detected and the scorer that scores it, so the pipeline records the scorer,
its version and the language it assumed with each decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from moderation.language import detect
from moderation.scorers.base import Scorer


@dataclass(frozen=True)
class Route:
    # The detected language; None when uncertain (the default scorer assumes its own).
    language: str | None
    scorer: Scorer
    # False when no configured scorer covers the language (the default would guess).
    covered: bool

    @property
    def assumed(self) -> str:
        """The language the chosen scorer takes the text to be in."""
        if self.language is not None and self.covered:
            return self.language
        return self.scorer.languages[0] if self.scorer.languages else "und"

    @property
    def model(self) -> str:
        return f"{self.scorer.name}@{self.scorer.version}"


def route_of(scorer: Scorer, text: str) -> Route:
    """The route a (possibly routing, possibly batched) scorer takes for one text."""
    router: Callable[[str], Route] | None = getattr(scorer, "route", None)
    if router is not None:
        return router(text)
    language = detect(text).language
    return Route(language, scorer, language is None or language in scorer.languages)


def scorer_for(scorer: Scorer, language: str) -> Scorer | None:
    """The scorer that scores texts in a language, or None when none covers it."""
    finder: Callable[[str], Scorer | None] | None = getattr(scorer, "for_language", None)
    if finder is not None:
        return finder(language)
    return scorer if language in scorer.languages else None


class RoutingScorer:
    """Named as its default scorer (the site's main model), whose name and version
    callers and /healthz show; `routes` names the scorer of each language."""

    def __init__(self, default: Scorer, others: Sequence[Scorer] = ()) -> None:
        self.scorers: tuple[Scorer, ...] = (default, *others)
        self.default = default
        self.name = default.name
        self.languages: tuple[str, ...] = tuple(
            dict.fromkeys(lang for s in self.scorers for lang in s.languages)
        )
        self.labels: tuple[str, ...] = tuple(
            dict.fromkeys(label for s in self.scorers for label in s.labels)
        )
        self.version = default.version

    @property
    def routes(self) -> dict[str, str]:
        """Language -> the scorer (name@version) that scores it."""
        return {
            language: f"{scorer.name}@{scorer.version}"
            for language in self.languages
            if (scorer := self.for_language(language)) is not None
        }

    def for_language(self, language: str) -> Scorer | None:
        """The first scorer covering the language (the default first), if any."""
        return next((s for s in self.scorers if language in s.languages), None)

    def route(self, text: str) -> Route:
        language = detect(text).language
        if language is None:
            return Route(None, self.default, True)
        chosen = self.for_language(language)
        return Route(language, chosen or self.default, chosen is not None)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        parts: dict[int, list[int]] = {}
        for i, text in enumerate(texts):
            parts.setdefault(id(self.route(text).scorer), []).append(i)
        by_id = {id(s): s for s in self.scorers}
        results: list[dict[str, float]] = [{} for _ in texts]
        scored = await asyncio.gather(
            *(by_id[key].score([texts[i] for i in rows]) for key, rows in parts.items())
        )
        for rows, scores in zip(parts.values(), scored, strict=True):
            if len(scores) != len(rows):
                raise RuntimeError(f"a scorer returned {len(scores)} results for {len(rows)}")
            for i, score in zip(rows, scores, strict=True):
                results[i] = score
        return results

    def reloaded(self) -> RoutingScorer | None:
        """A router over newly activated versions of its learned scorers, if any changed."""
        changed = False
        scorers: list[Scorer] = []
        for scorer in self.scorers:
            reload: Callable[[], Scorer | None] | None = getattr(scorer, "reloaded", None)
            fresh = reload() if reload is not None else None
            changed = changed or fresh is not None
            scorers.append(fresh or scorer)
        return RoutingScorer(scorers[0], scorers[1:]) if changed else None

    async def aclose(self) -> None:
        for scorer in self.scorers:
            close = getattr(scorer, "aclose", None)
            if close is not None:
                await close()
