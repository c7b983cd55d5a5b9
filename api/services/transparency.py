"""The transparency report (DSA Arts. 15 and 24): notices, actions and their grounds,
the use of automated means, handling times, appeals and the accuracy indicator, for a
period, as one dictionary (JSON) or CSV rows. Figures: models/queries/transparency.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from api.http.errors import BadUserInput
from models.database import Database
from models.queries import transparency as figures


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def report(db: Database, since: datetime, until: datetime) -> dict[str, Any]:
    since, until = _aware(since), _aware(until)
    if until <= since:
        raise BadUserInput("the period must end after it starts", field="to")
    async with db.read() as session:
        return {
            "period": {"from": since.isoformat(), "to": until.isoformat()},
            "notices_by_ground": await figures.notices_by_ground(session, since, until),
            "notice_handling": await figures.notice_handling(session, since, until),
            "actions": await figures.actions_by_kind_and_ground(session, since, until),
            "automation_by_model": await figures.automation_by_model(session, since, until),
            "appeals": await figures.appeals(session, since, until),
            "accuracy": await figures.automated_hold_accuracy(session, since, until),
        }


def as_csv(data: dict[str, Any]) -> str:
    """One row per figure: section, key (what the figure counts), metric, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "metric", "value"])
    for row in data["notices_by_ground"]:
        for metric in ("received", "decided", "removed"):
            writer.writerow(["notices_by_ground", row["ground"], metric, row[metric]])
    for metric, value in data["notice_handling"].items():
        writer.writerow(["notice_handling", "", metric, "" if value is None else value])
    for row in data["actions"]:
        key = f"{row['kind']}/{row['ground_kind']}/{row['ground']}"
        writer.writerow(["actions", key, "count", row["count"]])
    for row in data["automation_by_model"]:
        for metric in ("detected", "decided"):
            writer.writerow(["automation_by_model", row["model"], metric, row[metric]])
    for metric, value in data["appeals"].items():
        writer.writerow(["appeals", "", metric, value])
    for metric, value in data["accuracy"].items():
        writer.writerow(["accuracy", "", metric, "" if value is None else value])
    return out.getvalue()
