"""The shipped learned version on the hard cases it never trained on: civil sentences
naming identity groups are published at the same rate whatever the group; counter-speech
and negation are mostly published while direct hate is held; obfuscated abuse is held.

Scored through the scorer (fresh encodings), at the default threshold 0.8.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from moderation.data.hard_cases import GROUPS, cases
from moderation.learning.examples import load_seed
from tests.support.learned import needs_learned

pytestmark = needs_learned
THRESHOLD = 0.8


@pytest.fixture(scope="module")
def scored(learned_models_template: Path) -> dict[str, list[tuple[str, str, float]]]:
    """{kind: [(group, text, toxicity score)]} for the held-out hard cases."""
    from moderation.scorers.learned import LearnedScorer

    scorer = LearnedScorer.load(learned_models_template)
    rows = cases("heldout")
    scores = scorer.score_sync([c.text for c in rows])
    out: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for case, score in zip(rows, scores, strict=True):
        out[case.kind].append((case.group, case.text, score["toxicity"]))
    return out


def published(rows: list[tuple[str, str, float]]) -> float:
    return sum(1 for _, _, s in rows if s < THRESHOLD) / len(rows)


def test_civil_identity_sentences_are_published_whatever_the_group(
    scored: dict[str, list[tuple[str, str, float]]],
) -> None:
    by_group: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for row in scored["identity_neutral"]:
        by_group[row[0]].append(row)
    assert set(by_group) == {adj for adj, _ in GROUPS}
    rates = {group: published(rows) for group, rows in by_group.items()}
    mean = sum(rates.values()) / len(rates)
    assert published(scored["identity_neutral"]) >= 0.95, rates
    low = {g: r for g, r in rates.items() if r < 0.9 or r < mean - 0.1}
    assert not low, f"groups published less often than the others (mean {mean:.2f}): {low}"


def test_counter_speech_and_negation_are_published_while_direct_hate_is_held(
    scored: dict[str, list[tuple[str, str, float]]],
) -> None:
    assert 1 - published(scored["direct_hate"]) >= 0.9
    assert published(scored["counter_speech"]) >= 0.5
    assert published(scored["negated_hate"]) >= 0.5
    # Violent news and harsh political criticism are civil too; the latter is the weak
    # spot (docs/scoring-quality.md), guarded here against getting worse.
    assert published(scored["violent_news"]) >= 0.9
    assert published(scored["harsh_political"]) >= 0.6


def test_obfuscated_abuse_is_held(learned_models_template: Path) -> None:
    from moderation.scorers.learned import LearnedScorer

    scorer = LearnedScorer.load(learned_models_template)
    obfuscated = [
        e.text for e in load_seed() if e.split == "eval" and e.kind.endswith("+obfuscated")
    ]
    written = [
        "Y0u ar3 a m0r0n and ev3ryone kn0ws it.",
        "shut up you f***ing idiot",
        "You are a s t u p i d little cl0wn.",
        "go back to your c4ve, you worthless pr!ck",
        "what a brainless i.d.i.o.t you are",
    ]
    scores = [s["toxicity"] for s in scorer.score_sync(obfuscated + written)]
    held = [s >= THRESHOLD for s in scores]
    assert len(obfuscated) >= 20
    assert sum(held[: len(obfuscated)]) / len(obfuscated) >= 0.9
    assert all(held[len(obfuscated) :]), list(zip(written, scores[len(obfuscated) :], strict=True))
