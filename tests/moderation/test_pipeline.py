"""The pipeline folds every phase's outcome into one decision."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput
from moderation.phases.toxicity import toxicity
from moderation.pipeline import Context, combine, decide
from moderation.policy import Policy
from moderation.scorers.linear import LinearScorer


class FixedScorer:
    name, version, labels, languages = "fixed", "1", ("toxicity", "threat"), ("en",)

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.calls: list[list[str]] = []

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        return [dict(self.scores) for _ in texts]


def test_most_severe_status_wins_and_all_reasons_are_kept() -> None:
    held = Outcome(Status.PENDING, (Reason(ReasonCode.TOXICITY, "a"),))
    rejected = Outcome(Status.REJECTED, (Reason(ReasonCode.BANNED_WORD, "b"),))
    status, reasons = combine(
        [Outcome(), held, rejected, Outcome(None, (Reason(ReasonCode.LINKS),))]
    )
    assert status is Status.REJECTED
    assert [r.code for r in reasons] == [
        ReasonCode.TOXICITY,
        ReasonCode.BANNED_WORD,
        ReasonCode.LINKS,
    ]
    assert combine([]) == (Status.APPROVED, ())


def test_toxicity_phase_uses_per_label_thresholds() -> None:
    policy = Policy(hold_threshold=0.8, label_thresholds={"threat": 0.4})
    item = PhaseInput("x", policy, scores={"toxicity": 0.5, "threat": 0.45})
    outcome = toxicity(item)
    assert outcome.status is Status.PENDING
    assert [r.detail for r in outcome.reasons] == ["threat 0.45 ≥ 0.40"]
    assert toxicity(PhaseInput("x", Policy(), scores={"toxicity": 0.79})) == Outcome()
    assert toxicity(PhaseInput("x", Policy(), scores={"toxicity": 0.8})).status is Status.PENDING


async def test_decide_records_scores_and_model() -> None:
    scorer = FixedScorer({"toxicity": 0.9, "threat": 0.1})
    decision = await decide("hello", Context(scorer=scorer, policy=Policy()))
    assert decision.status is Status.PENDING
    assert decision.scores == {"toxicity": 0.9, "threat": 0.1}
    assert decision.max_score == 0.9
    assert decision.model == "fixed@1"
    assert scorer.calls == [["hello"]]


async def test_linear_scorer_scores_a_batch_in_order() -> None:
    scorer = LinearScorer()
    clean, toxic = await scorer.score(["What a lovely bridge.", "fuck you asshole"])
    assert clean["toxicity"] < 0.5 < toxic["toxicity"]
    assert await scorer.score([]) == []
