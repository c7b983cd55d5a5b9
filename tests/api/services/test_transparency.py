"""The transparency report against a seeded history whose answers are counted here,
independently, from the seed itself."""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import CliRunner

from api.cli.main import cli
from api.runtime import Runtime
from api.services import transparency
from models.tables import (
    Appeal,
    Article,
    Comment,
    IllegalContentNotice,
    ModerationAction,
    StatementOfReasons,
    User,
)
from tests.support.client import Api

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
MODELS = ("linear-1", "learned-7", "")
GROUNDS = (("TERMS", "civility"), ("TERMS", "spam"), ("LAW", "StGB §130"))
LAWS = ("defamation", "incitement", "copyright")


@dataclass
class Seed:
    statements: list[StatementOfReasons]
    notices: list[IllegalContentNotice]
    appeals: list[Appeal]
    # Comment ids of automated holds a moderator later published.
    published: set[int]


def _seed_rows(rng: random.Random) -> Seed:
    """Rows inside and outside the period (March 2026), deterministic."""
    statements, notices, appeals = [], [], []
    published: set[int] = set()
    for i in range(1, 121):
        at = START + timedelta(days=rng.uniform(-10, 40))
        automated = rng.random() < 0.6
        restriction = (
            "HOLD"
            if automated and rng.random() < 0.7
            else rng.choice(["REJECTION", "BAN", "SUSPENSION"])
        )
        kind, ground = rng.choice(GROUNDS)
        statements.append(
            StatementOfReasons(
                id=i,
                user_id="author",
                comment_id=i,
                restriction=restriction,
                facts="seeded",
                ground_kind=kind,
                ground=ground,
                automated_detection=automated or rng.random() < 0.2,
                automated_decision=automated,
                model=rng.choice(MODELS[:2]) if automated else "",
                decided_by=None if automated else "mo",
                appeal_until=at + timedelta(days=183),
                created_at=at,
            )
        )
        if restriction == "HOLD" and automated and rng.random() < 0.3:
            published.add(i)
    for i in range(1, 41):
        at = START + timedelta(days=rng.uniform(-5, 35))
        decided = rng.random() < 0.7
        notices.append(
            IllegalContentNotice(
                id=i,
                comment_id=rng.randint(1, 120),
                law_broken=rng.choice(LAWS),
                explanation="seeded",
                status="DECIDED" if decided else rng.choice(["RECEIVED", "VOID"]),
                outcome=rng.choice(["REMOVED", "NO_ACTION"]) if decided else None,
                decided_at=at + timedelta(minutes=rng.randint(1, 5000)) if decided else None,
                created_at=at,
            )
        )
    for i, statement in enumerate(rng.sample(statements, 30), start=1):
        at = statement.created_at + timedelta(days=rng.uniform(0, 10))
        status = rng.choice(["PENDING", "UPHELD", "REVERSED"])
        appeals.append(
            Appeal(
                id=i,
                statement_id=statement.id or 0,
                appellant_id="author",
                explanation="seeded",
                status=status,
                decided_by="mo2" if status != "PENDING" else None,
                created_at=at,
                decided_at=at + timedelta(days=2) if status != "PENDING" else None,
            )
        )
    return Seed(statements, notices, appeals, published)


async def _store(runtime: Runtime, seed: Seed) -> None:
    async with runtime.db.write() as session:
        for user in ("author", "mo", "mo2"):
            session.add(User(id=user, name=user, role="commenter"))
        session.add(Article(id=1, slug="seeded", title="Seeded", body=""))
        await session.flush()
        for statement in seed.statements:
            session.add(
                Comment(
                    id=statement.comment_id,
                    article_id=1,
                    author_id="author",
                    body="seeded",
                    status="PENDING",
                    created_at=statement.created_at,
                )
            )
        await session.flush()
        session.add_all(seed.statements)
        await session.flush()
        for statement in seed.statements:
            # The system's own entry never counts as a moderator's reversal.
            session.add(
                ModerationAction(
                    comment_id=statement.comment_id or 0,
                    status=(statement.restriction == "HOLD" and "PENDING") or "REJECTED",
                    created_at=statement.created_at,
                )
            )
            if statement.comment_id in seed.published:
                session.add(
                    ModerationAction(
                        comment_id=statement.comment_id or 0,
                        status="APPROVED",
                        moderator_id="mo",
                        created_at=statement.created_at + timedelta(hours=3),
                    )
                )
        session.add_all(seed.notices)
        session.add_all(seed.appeals)


def _inside(moment: datetime | None) -> bool:
    return moment is not None and START <= moment < END


def _expected(seed: Seed) -> dict[str, Any]:
    """The report counted from the seed in plain Python."""
    notices = [n for n in seed.notices if _inside(n.created_at)]
    by_law: dict[str, Counter[str]] = {}
    for n in notices:
        tally = by_law.setdefault(n.law_broken, Counter())
        tally["received"] += 1
        tally["decided"] += n.status == "DECIDED"
        tally["removed"] += n.outcome == "REMOVED"
    decided = sorted(
        (n.decided_at - n.created_at).total_seconds()
        for n in seed.notices
        if n.status == "DECIDED" and _inside(n.decided_at) and n.decided_at
    )

    def rank(share: float) -> float | None:
        return decided[max(1, math.ceil(share * len(decided))) - 1] if decided else None

    statements = [s for s in seed.statements if _inside(s.created_at)]
    actions = Counter((s.restriction, s.ground_kind, s.ground) for s in statements)
    automation: dict[str, Counter[str]] = {}
    for s in statements:
        if s.automated_detection or s.automated_decision:
            tally = automation.setdefault(s.model, Counter())
            tally["detected"] += s.automated_detection
            tally["decided"] += s.automated_decision
    holds = [s for s in statements if s.restriction == "HOLD" and s.automated_decision]
    reversed_ = sum(s.comment_id in seed.published for s in holds)
    decided_appeals = Counter(a.status for a in seed.appeals if _inside(a.decided_at))
    return {
        "notices_by_ground": [
            {"ground": law, **{k: t[k] for k in ("received", "decided", "removed")}}
            for law, t in sorted(by_law.items())
        ],
        "notice_handling": {
            "decided": len(decided),
            "median_seconds": rank(0.5),
            "p90_seconds": rank(0.9),
        },
        "actions": [
            {"kind": k, "ground_kind": gk, "ground": g, "count": c}
            for (k, gk, g), c in sorted(actions.items())
        ],
        "automation_by_model": [
            {"model": m, "detected": t["detected"], "decided": t["decided"]}
            for m, t in sorted(automation.items())
        ],
        "appeals": {
            "received": sum(_inside(a.created_at) for a in seed.appeals),
            "upheld": decided_appeals["UPHELD"],
            "reversed": decided_appeals["REVERSED"],
        },
        "accuracy": {
            "automated_holds": len(holds),
            "reversed_by_moderators": reversed_,
            "reversal_rate": round(reversed_ / len(holds), 4) if holds else None,
        },
    }


async def test_every_figure_matches_an_independent_count(api: Api, database_url: str) -> None:
    seed = _seed_rows(random.Random(19))
    expected = _expected(seed)
    await _store(api.runtime, seed)
    # The seed is rich enough for every figure to mean something.
    assert expected["accuracy"]["reversed_by_moderators"] > 0
    assert expected["appeals"]["upheld"] and expected["appeals"]["reversed"]
    assert expected["notice_handling"]["decided"] > 5

    found = await transparency.report(api.runtime.db, START, END)
    assert found.pop("period") == {"from": START.isoformat(), "to": END.isoformat()}
    assert found == expected

    # The same figures as the admin page reads them, and from the command line.
    data = await api.data(
        "query($f: DateTime!, $t: DateTime!) { transparencyReport(from: $f, to: $t) }",
        {"f": START.isoformat(), "t": END.isoformat()},
        as_=api.token("ad", "admin"),
    )
    assert {k: v for k, v in data["transparencyReport"].items() if k != "period"} == expected
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        [
            "report",
            "transparency",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in json.loads(result.output).items() if k != "period"} == expected
    csv_out = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        [
            "report",
            "transparency",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--format",
            "csv",
            "--database-url",
            database_url,
        ],
    )
    lines = csv_out.output.splitlines()
    assert lines[0] == "section,key,metric,value"
    assert f"appeals,,reversed,{expected['appeals']['reversed']}" in lines


async def test_an_empty_or_backwards_period(api: Api) -> None:
    empty = await transparency.report(api.runtime.db, START, END)
    assert empty["accuracy"]["reversal_rate"] is None
    assert empty["notice_handling"]["median_seconds"] is None
    error = await api.error(
        'query { transparencyReport(from: "2026-04-01T00:00:00Z", to: "2026-03-01T00:00:00Z") }',
        as_=api.token("ad", "admin"),
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
