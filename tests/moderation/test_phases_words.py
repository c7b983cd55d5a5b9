"""The word-list, link and pre-moderation phases: status, reason code, detail, spans."""

from __future__ import annotations

import dataclasses

import pytest

from moderation.decision import Outcome, Reason, ReasonCode, Span, Status
from moderation.phases.banned_words import banned_words
from moderation.phases.base import PhaseInput
from moderation.phases.links import find_links, links
from moderation.phases.premoderation import premoderation
from moderation.phases.suspect_words import suspect_words
from moderation.policy import Policy
from moderation.wordlist import WordList

POLICY = Policy(
    banned_words=WordList(["fuck", "son of a bitch"]),
    suspect_words=WordList(["idiot", "moron"]),
    premoderate_links=True,
)


def item(text: str, policy: Policy = POLICY) -> PhaseInput:
    return PhaseInput(text=text, policy=policy)


def only_reason(outcome: Outcome) -> Reason:
    (reason,) = outcome.reasons
    return reason


# -- policy defaults -----------------------------------------------------------------


def test_policy_defaults_are_off_and_empty() -> None:
    policy = Policy()
    assert policy.banned_words == WordList()
    assert policy.suspect_words == WordList()
    assert not policy.banned_words
    assert (policy.premoderate_all, policy.premoderate_links) == (False, False)
    assert policy.score_unsupported_languages is False
    assert Policy() == Policy()


# -- banned words --------------------------------------------------------------------


def test_banned_word_rejects_with_every_span() -> None:
    text = "fuck this, F.U.C.K that, son of a bitch"
    outcome = banned_words(item(text))
    assert outcome.status is Status.REJECTED
    reason = only_reason(outcome)
    assert reason.code is ReasonCode.BANNED_WORD
    assert reason.detail == "banned: fuck, son of a bitch"
    assert reason.spans == (Span(0, 4), Span(11, 18), Span(25, 39))
    assert [text[s.start : s.end] for s in reason.spans] == ["fuck", "F.U.C.K", "son of a bitch"]


def test_banned_word_absent() -> None:
    assert banned_words(item("a perfectly fine cocktail")) == Outcome()
    assert banned_words(item("fuck", Policy())) == Outcome()


def test_banned_reason_round_trips() -> None:
    reason = only_reason(banned_words(item("ｆｕｃｋ")))
    assert Reason.from_dict(reason.to_dict()) == reason
    assert reason.to_dict()["spans"] == [[0, 4]]


# -- suspect words -------------------------------------------------------------------


def test_suspect_word_holds_with_spans() -> None:
    text = "you idiot, you m0r0n, you idiooooot"
    outcome = suspect_words(item(text))
    assert outcome.status is Status.PENDING
    reason = only_reason(outcome)
    assert reason.code is ReasonCode.SUSPECT_WORD
    assert reason.detail == "suspect: idiot, moron"
    assert [text[s.start : s.end] for s in reason.spans] == ["idiot", "m0r0n", "idiooooot"]


def test_suspect_word_absent() -> None:
    assert suspect_words(item("idiotic moronic")) == Outcome()
    assert suspect_words(item("idiot", Policy())) == Outcome()


# -- links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/path?q=1.", ["https://example.com/path?q=1"]),
        ("http://localhost:8000/x", ["http://localhost:8000/x"]),
        ("go to www.example.org now", ["www.example.org"]),
        ("www.something", ["www.something"]),
        ("example.com/path", ["example.com/path"]),
        ("visit example.com!", ["example.com"]),
        ("(see news.bbc.co.uk)", ["news.bbc.co.uk"]),
        ("bit.ly/abc and youtu.be/xyz", ["bit.ly/abc", "youtu.be/xyz"]),
        ("sub.example.net:8080/a", ["sub.example.net:8080/a"]),
        ("en.wikipedia.org/wiki/Foo_(bar))", ["en.wikipedia.org/wiki/Foo_(bar)"]),
        ("ＥＸＡＭＰＬＥ．ＣＯＭ", ["ＥＸＡＭＰＬＥ．ＣＯＭ"]),
        ("café.fr", ["café.fr"]),
    ],
)
def test_links_found(text: str, expected: list[str]) -> None:
    assert [text[s.start : s.end] for s in find_links(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "e.g. this",
        "i.e. that",
        "version 3.5 is out",
        "Mr.Smith said",
        "U.S. politics",
        "it was fine.In the end",
        "run setup.py and read README.md",
        "mail me at john@example.com",
        "example.community",
        "example dot com",
        "a.m. or p.m.",
        "",
    ],
)
def test_not_links(text: str) -> None:
    assert find_links(text) == []


def test_links_phase_holds_with_detail_and_spans() -> None:
    text = "buy at example.com and https://shop.example.org/deal now"
    outcome = links(item(text))
    assert outcome.status is Status.PENDING
    reason = only_reason(outcome)
    assert reason.code is ReasonCode.LINKS
    assert reason.detail == "2 links: example.com, https://shop.example.org/deal"
    assert reason.spans == (Span(7, 18), Span(23, 52))


def test_one_link_detail_and_long_links_shortened() -> None:
    url = "https://example.com/" + "a" * 100
    reason = only_reason(links(item(f"see {url}")))
    assert reason.detail is not None
    assert reason.detail.startswith("1 link: https://example.com/aaa")
    assert reason.detail.endswith("…")
    assert len(reason.detail) < 80
    assert reason.spans == (Span(4, 4 + len(url)),)


def test_links_phase_off_or_no_link() -> None:
    off = dataclasses.replace(POLICY, premoderate_links=False)
    assert links(item("example.com", off)) == Outcome()
    assert links(item("no link here, e.g. none")) == Outcome()


# -- pre-moderation ------------------------------------------------------------------


def test_premoderation_on() -> None:
    outcome = premoderation(item("hello", Policy(premoderate_all=True)))
    assert outcome == Outcome(
        Status.PENDING,
        (Reason(ReasonCode.PREMODERATION, "site pre-moderates all comments"),),
    )


def test_premoderation_off() -> None:
    assert premoderation(item("hello", Policy())) == Outcome()
