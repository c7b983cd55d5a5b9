"""Statements of reasons (DSA Art. 17): built and stored with every hold, rejection, ban
and suspension, in the transaction of the decision itself.

A statement says what was restricted (the facts), on what ground (one of the site's
rules, kept in the moderation settings, or a law), whether automated means detected
and/or decided it (with the scorer's version and the phases that fired), and how to
contest it (an appeal, until when).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.errors import BadUserInput
from api.services import validation
from models.queries.settings import load_settings
from models.tables import (
    BAN_RESTRICTION,
    HOLD,
    LEGAL_GROUND,
    REJECTION,
    SUSPENSION,
    TERMS_GROUND,
    Comment,
    Sanction,
    StatementOfReasons,
    utcnow,
)
from moderation.decision import ReasonCode

# The rules a site starts with; admins replace them (updateModerationSettings.rules).
DEFAULT_RULES: tuple[tuple[str, str], ...] = (
    ("civility", "Be civil: no insults, threats, harassment or hate."),
    ("language", "No banned or abusive language."),
    ("spam", "No spam, advertising or repeated posts."),
    ("review", "Comments may be held for a moderator's review before they are published."),
    ("guidelines", "Follow the community guidelines."),
)
FALLBACK_RULE = "guidelines"
# The rule an automated hold or rejection cites, by the phase that fired (most severe
# first: the first phase in this order that fired gives the ground).
RULE_OF_PHASE: tuple[tuple[ReasonCode, str], ...] = (
    (ReasonCode.BANNED_WORD, "language"),
    (ReasonCode.TOXICITY, "civility"),
    (ReasonCode.SUSPECT_WORD, "language"),
    (ReasonCode.REPEAT_POST, "spam"),
    (ReasonCode.LINKS, "review"),
    (ReasonCode.REPORTED, "civility"),
)
# Phases that look at the content itself (detection); the others hold by policy
# (pre-moderation, new commenters, an unavailable scorer).
DETECTING = frozenset(
    {
        ReasonCode.TOXICITY,
        ReasonCode.BANNED_WORD,
        ReasonCode.SUSPECT_WORD,
        ReasonCode.LINKS,
        ReasonCode.REPEAT_POST,
        ReasonCode.UNSUPPORTED_LANGUAGE,
    }
)
RULE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MAX_RULES = 100
MAX_EXPLANATION = 5000


@dataclass(frozen=True)
class Ground:
    """What a moderator cites: a site rule's code, or a law (exactly one)."""

    rule: str | None = None
    law: str | None = None
    explanation: str | None = None


def rules_of(stored: list[dict[str, str]]) -> dict[str, str]:
    """The site's rules, code → wording; the defaults until an admin sets some."""
    if not stored:
        return dict(DEFAULT_RULES)
    return {rule["code"]: rule["title"] for rule in stored}


def validated_rules(rules: list[tuple[str, str]]) -> list[dict[str, str]]:
    if len(rules) > MAX_RULES:
        raise BadUserInput(f"at most {MAX_RULES} rules", field="rules")
    seen: set[str] = set()
    out = []
    for code, title in rules:
        if not RULE_CODE.fullmatch(code):
            raise BadUserInput(
                f"rule code {code!r}: lowercase letters, digits, - and _ (1-50)", field="rules"
            )
        if code in seen:
            raise BadUserInput(f"rule code {code!r} appears twice", field="rules")
        seen.add(code)
        validation.text_field("rules", title, max_length=500)
        out.append({"code": code, "title": title.strip()})
    return out


def appeal_deadline(window_days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(days=window_days)


def redress(appeal_until: datetime) -> str:
    """How to contest a decision, in words for the affected user."""
    return (
        f"You may appeal this decision until {appeal_until.strftime('%Y-%m-%d %H:%M')} UTC "
        "(the Appeal button beside it, or the appealDecision mutation). A moderator who "
        "did not take the decision reviews the appeal; no appeal is decided by automated "
        "means alone."
    )


async def resolve_ground(
    session: AsyncSession, ground: Ground | None, default_rule: str = FALLBACK_RULE
) -> tuple[str, str, str, str | None]:
    """(kind, ground, wording, explanation) for a moderator's decision; BAD_USER_INPUT
    for an unknown rule or for both a rule and a law."""
    ground = ground or Ground()
    if ground.explanation is not None:
        validation.text_field(
            "explanation", ground.explanation, max_length=MAX_EXPLANATION, required=False
        )
    explanation = ground.explanation or None
    if ground.rule is not None and ground.law is not None:
        raise BadUserInput("give a rule or a legal ground, not both", field="rule")
    if ground.law is not None:
        validation.text_field("legalGround", ground.law, max_length=500)
        return LEGAL_GROUND, ground.law.strip(), ground.law.strip(), explanation
    rules = rules_of((await load_settings(session)).rules)
    code = ground.rule if ground.rule is not None else default_rule
    if code not in rules:
        if ground.rule is not None:
            raise BadUserInput(f"no site rule {code!r}; rules are {', '.join(rules)}", field="rule")
        return TERMS_GROUND, code, dict(DEFAULT_RULES).get(code, code), explanation
    return TERMS_GROUND, code, rules[code], explanation


def _codes(comment: Comment) -> list[str]:
    return [str(reason.get("code")) for reason in comment.reasons if reason.get("code")]


def _rule_for(codes: list[str], default: str = "review") -> str:
    for phase, rule in RULE_OF_PHASE:
        if phase.value in codes:
            return rule
    return default


def _detected(codes: list[str]) -> bool:
    return any(code in DETECTING for code in codes)


def _facts(comment: Comment, restriction: str) -> str:
    what = "held for review and not published until a moderator decides"
    if restriction == REJECTION:
        what = "removed: it is no longer published"
    return f"Your comment (#{comment.id}) was {what}."


async def for_automated(
    session: AsyncSession, comment: Comment, window_days: int
) -> StatementOfReasons:
    """The statement of a hold or rejection the pipeline decided on its own."""
    assert comment.id is not None
    codes = _codes(comment)
    restriction = HOLD if comment.status == "PENDING" else REJECTION
    kind, ground, wording, _ = await resolve_ground(session, None, _rule_for(codes))
    statement = StatementOfReasons(
        user_id=comment.author_id,
        comment_id=comment.id,
        restriction=restriction,
        facts=_facts(comment, restriction),
        ground_kind=kind,
        ground=ground,
        ground_text=wording,
        explanation=_explain(comment),
        automated_detection=_detected(codes),
        automated_decision=True,
        model=comment.model,
        triggers=codes,
        decided_by=None,
        appeal_until=appeal_deadline(window_days),
    )
    session.add(statement)
    await session.flush()
    return statement


def _explain(comment: Comment) -> str:
    parts = []
    for reason in comment.reasons:
        detail = reason.get("detail")
        parts.append(f"{reason.get('code')}" + (f" ({detail})" if detail else ""))
    return "Automated checks fired: " + ", ".join(parts) + "." if parts else ""


async def for_moderator(
    session: AsyncSession,
    comment: Comment,
    moderator_id: str,
    ground: Ground | None,
    window_days: int,
) -> StatementOfReasons:
    """The statement of a moderator's rejection. Automated detection counts when the
    pipeline had flagged the comment (its phases are kept on the comment)."""
    assert comment.id is not None
    codes = _codes(comment)
    default = _rule_for(codes, FALLBACK_RULE)
    kind, cited, wording, explanation = await resolve_ground(session, ground, default)
    detected = _detected(codes)
    statement = StatementOfReasons(
        user_id=comment.author_id,
        comment_id=comment.id,
        restriction=REJECTION,
        facts=_facts(comment, REJECTION),
        ground_kind=kind,
        ground=cited,
        ground_text=wording,
        explanation=explanation,
        automated_detection=detected,
        automated_decision=False,
        model=comment.model if detected else "",
        triggers=codes,
        decided_by=moderator_id,
        appeal_until=appeal_deadline(window_days),
    )
    session.add(statement)
    await session.flush()
    return statement


async def for_sanction(
    session: AsyncSession, sanction: Sanction, ground: Ground | None, window_days: int
) -> StatementOfReasons:
    """The statement of a ban or a suspension."""
    restriction = BAN_RESTRICTION if sanction.kind == "BAN" else SUSPENSION
    kind, cited, wording, explanation = await resolve_ground(session, ground)
    facts = "Your account may no longer comment or report comments."
    if sanction.until is not None:
        facts = (
            "Your account may not comment or report comments until "
            f"{sanction.until.strftime('%Y-%m-%d %H:%M')} UTC."
        )
    statement = StatementOfReasons(
        user_id=sanction.user_id,
        sanction_id=sanction.id,
        restriction=restriction,
        facts=facts,
        ground_kind=kind,
        ground=cited,
        ground_text=wording,
        explanation=explanation or sanction.reason,
        automated_detection=False,
        automated_decision=False,
        decided_by=sanction.moderator_id,
        appeal_until=appeal_deadline(window_days),
    )
    session.add(statement)
    await session.flush()
    return statement


def summary(statement: StatementOfReasons) -> dict[str, Any]:
    """A statement in a few fields, for audit details and notifications."""
    return {
        "statement_id": statement.id,
        "restriction": statement.restriction,
        "ground_kind": statement.ground_kind,
        "ground": statement.ground,
        "automated": statement.automated_decision,
    }
