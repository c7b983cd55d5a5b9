"""`commentmod apikey` and `commentmod feedback`, run as an operator would."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli.main import cli
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api


def invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--database-url", database_url])


def test_apikey_create_list_revoke(database_url: str) -> None:
    created = invoke(database_url, "apikey", "create", "--name", "coral")
    assert created.exit_code == 0, created.output
    key = created.output.strip()
    assert created.output == key + "\n" and re.fullmatch(r"cm_[\w-]{40,}", key)
    second = invoke(database_url, "apikey", "create", "--name", "bot", "--rate-limit", "5")
    assert second.output.strip() != key
    duplicate = invoke(database_url, "apikey", "create", "--name", "coral")
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output

    listing = invoke(database_url, "apikey", "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split("\t")[:4] == ["id", "name", "prefix", "rate_limit"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [(r[0], r[1], r[3], r[6]) for r in rows] == [
        ("1", "coral", "default", "-"),
        ("2", "bot", "5", "-"),
    ]
    # Only a prefix, never the key.
    assert key not in listing.output and rows[0][2] == key[:10] + "…"

    assert invoke(database_url, "apikey", "revoke", "coral").output == "revoked coral\n"
    assert invoke(database_url, "apikey", "revoke", "2").output == "revoked bot\n"
    missing = invoke(database_url, "apikey", "revoke", "nobody")
    assert missing.exit_code != 0 and "no API key" in missing.output
    rows = [
        line.split("\t") for line in invoke(database_url, "apikey", "list").output.splitlines()[1:]
    ]
    assert all(r[6] != "-" for r in rows)


class ScoreInText:
    """Scores a text by the number it carries ("score=0.93 ..."): exact, chosen by the test."""

    name, version, labels, languages = "fixed", "1", ("toxicity",), ("en",)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        found = [re.search(r"score=([\d.]+)", t) for t in texts]
        return [{"toxicity": float(m.group(1)) if m else 0.0} for m in found]


@pytest.fixture
def scorer() -> LoadedScorer:
    return LoadedScorer(ScoreInText(), "test")  # type: ignore[arg-type]


def partial_files(directory: Path) -> list[Path]:
    return list(directory.glob("*.partial"))


DECIDE = """mutation($id: ID!) { %s(input: {commentId: $id}) { comment { status } } }"""


async def test_moderator_decisions_become_examples_and_a_report(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    article = await api.create_article()
    mod = api.token("mo", "moderator")
    # (score, moderator's decision); the hold threshold is 0.8.
    cases = [
        (0.95, "reject"),
        (0.85, "approve"),
        (0.9, "reject"),
        (0.5, "reject"),
        (0.3, "approve"),
    ]
    for score, decision in cases:
        comment = await api.comment(
            article["id"], f"comment score={score} here", as_=api.token("ann")
        )
        await api.data(DECIDE % f"{decision}Comment", {"id": comment["id"]}, as_=mod)
    # A second decision on the last comment replaces the first in the report.
    await api.data(DECIDE % "approveComment", {"id": comment["id"]}, as_=mod)

    out = tmp_path / "examples.csv"
    result = await asyncio.to_thread(
        invoke, database_url, "feedback", "export", "--format", "csv", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 6 and not partial_files(tmp_path)
    assert [(float(r["model_score"]), float(r["value"])) for r in rows[:5]] == [
        (s, 1.0 if d == "reject" else 0.0) for s, d in cases
    ]
    assert {r["source"] for r in rows} == {"moderator"} and rows[0]["moderator_id"] == "mo"
    assert rows[0]["text"] == "comment score=0.95 here" and rows[0]["model"] == "fixed@1"

    jsonl = await asyncio.to_thread(invoke, database_url, "feedback", "export")
    assert [json.loads(line)["id"] for line in jsonl.stdout.splitlines()] == [
        int(r["id"]) for r in rows
    ]

    report = await asyncio.to_thread(invoke, database_url, "feedback", "report")
    assert report.exit_code == 0, report.output
    header, line = report.output.splitlines()
    fields = dict(zip(header.split("\t"), line.split("\t"), strict=True))
    # Held at 0.8: 0.95, 0.9 (rejected) and 0.85 (approved: a wrong hold); 0.5 was missed.
    assert fields == {
        "label": "toxicity",
        "examples": "5",
        "toxic": "3",
        "threshold": "0.8",
        "held": "3",
        "wrong_holds": "1",
        "missed": "1",
        "precision": "0.667",
        "recall": "0.667",
        # Holding from 0.9 catches the same two with no wrong hold.
        "same_recall_threshold": "0.900",
        "same_recall_held": "2",
        "same_recall_wrong_holds": "0",
    }


async def test_report_follows_the_sites_threshold_for_the_label(
    api: Api, database_url: str
) -> None:
    admin = api.token("admin", "admin")
    await api.data(
        'mutation { updateModerationSettings(input: {thresholds: [{label: "toxicity", hold: 0.4}]}) { settings { version } } }',
        as_=admin,
    )
    article = await api.create_article()
    comment = await api.comment(article["id"], "score=0.5 hmm", as_=api.token("ann"))
    await api.data(
        DECIDE % "rejectComment", {"id": comment["id"]}, as_=api.token("mo", "moderator")
    )
    report = await asyncio.to_thread(invoke, database_url, "feedback", "report")
    fields = report.output.splitlines()[1].split("\t")
    assert fields[3:7] == ["0.4", "1", "0", "0"]
