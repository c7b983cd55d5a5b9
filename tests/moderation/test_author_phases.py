"""The phases that judge the author rather than the text."""

from __future__ import annotations

from moderation.author import AuthorFacts, normalise
from moderation.decision import ReasonCode, Status
from moderation.phases.base import PhaseInput
from moderation.phases.new_commenter import new_commenter
from moderation.phases.repeat_post import repeat_post
from moderation.phases.user_premoderation import user_premoderation
from moderation.policy import Policy


def item(text: str = "Hello there.", policy: Policy | None = None, **facts: object) -> PhaseInput:
    return PhaseInput(text=text, policy=policy or Policy(), author=AuthorFacts(**facts))  # type: ignore[arg-type]


def test_normalise_ignores_case_punctuation_and_spacing() -> None:
    assert (
        normalise("Buy   NOW!!  at ｓｈｏｐ") == normalise("buy now at shop") == "buy now at shop"
    )
    assert normalise("Buy now.") != normalise("Buy later.")


def test_repeat_post_holds_the_same_normalised_text() -> None:
    recent = frozenset({normalise("Visit my site, friends!")})
    outcome = repeat_post(item("visit my SITE friends", recent_texts=recent))
    assert outcome.status is Status.PENDING
    assert [r.code for r in outcome.reasons] == [ReasonCode.REPEAT_POST]
    assert repeat_post(item("Something new entirely.", recent_texts=recent)).status is None
    assert repeat_post(item("visit my site friends")).status is None


def test_new_commenter_holds_the_first_n_only_when_set() -> None:
    assert new_commenter(item(comment_count=0)).status is None  # off by default
    policy = Policy(new_commenter_hold=2)
    assert new_commenter(item(policy=policy, comment_count=0)).status is Status.PENDING
    held = new_commenter(item(policy=policy, comment_count=1))
    assert held.reasons[0].code is ReasonCode.NEW_COMMENTER
    assert held.reasons[0].detail == "comment 2 of the author's first 2"
    assert new_commenter(item(policy=policy, comment_count=2)).status is None


def test_user_premoderation() -> None:
    assert user_premoderation(item()).status is None
    outcome = user_premoderation(item(premoderated=True))
    assert outcome.status is Status.PENDING
    assert outcome.reasons[0].code is ReasonCode.USER_PREMODERATED
