"""Routing by language: each text goes to the scorer that covers its language."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.batcher import MicroBatcher
from moderation.decision import ReasonCode, Status
from moderation.pipeline import Context, decide
from moderation.policy import Policy
from moderation.scorers.routing import RoutingScorer, route_of, scorer_for


class Fixed:
    def __init__(self, name: str, languages: tuple[str, ...], value: float) -> None:
        self.name, self.version, self.languages = name, "1", languages
        self.labels: tuple[str, ...] = ("toxicity",)
        self.value = value
        self.calls: list[list[str]] = []

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        return [{"toxicity": self.value} for _ in texts]


def make() -> tuple[Fixed, Fixed, RoutingScorer]:
    english, arabic = Fixed("en-model", ("en",), 0.1), Fixed("ar-model", ("ar",), 0.9)
    return english, arabic, RoutingScorer(english, [arabic])


async def test_a_mixed_batch_is_split_by_language_and_put_back_in_order() -> None:
    english, arabic, router = make()
    texts = ["Thanks for the report on the bridge.", "يا حمار", "ok", "ya 7mar"]
    scores = await router.score(texts)
    assert [s["toxicity"] for s in scores] == [0.1, 0.9, 0.1, 0.9]
    assert english.calls == [[texts[0], texts[2]]] and arabic.calls == [[texts[1], texts[3]]]
    assert await router.score([]) == []
    # It presents itself as its main scorer, and names every language's scorer.
    assert (router.name, router.version, router.languages) == ("en-model", "1", ("en", "ar"))
    assert router.routes == {"en": "en-model@1", "ar": "ar-model@1"}


async def test_decisions_record_the_scorer_and_language_of_their_route() -> None:
    english, arabic, router = make()
    batched = MicroBatcher(router, max_wait=0)
    try:
        held = await decide("يلعن أبوك", Context(scorer=batched, policy=Policy()))
        assert held.status is Status.PENDING and held.model == "ar-model@1"
        assert held.language == "ar"
        short = await decide("ok", Context(scorer=batched, policy=Policy()))
        assert short.status is Status.APPROVED and short.model == "en-model@1"
        assert short.language is None
        assert route_of(batched, "ok").assumed == "en"
        # A language no scorer covers is held unscored, as before routing.
        french = "Je pense que la mairie a tout à fait raison de rouvrir ce pont."
        unsupported = await decide(french, Context(scorer=batched, policy=Policy()))
        assert unsupported.status is Status.PENDING and unsupported.scores == {}
        assert [r.code for r in unsupported.reasons] == [ReasonCode.UNSUPPORTED_LANGUAGE]
        assert "en, ar" in (unsupported.reasons[0].detail or "")
        # A site that scores anyway gets the main scorer's guess.
        anyway = Policy(score_unsupported_languages=True)
        guessed = await decide(french, Context(scorer=batched, policy=anyway))
        assert guessed.model == "en-model@1" and guessed.scores == {"toxicity": 0.1}
        assert route_of(batched, french).assumed == "en"
    finally:
        await batched.close()
    assert scorer_for(batched, "ar") is arabic and scorer_for(batched, "de") is None
    assert scorer_for(english, "en") is english


def test_reloading_swaps_only_the_scorers_with_a_new_version() -> None:
    english, arabic, router = make()
    assert router.reloaded() is None
    newer = Fixed("ar-model", ("ar",), 0.5)
    arabic.reloaded = lambda: newer  # type: ignore[attr-defined]
    fresh = router.reloaded()
    assert fresh is not None and fresh.scorers == (english, newer)
