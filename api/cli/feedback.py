"""`commentmod feedback ...`: moderators' decisions as training data, and threshold reports."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from api.cli.group import cli, process_config
from models.migrate import upgrade


@cli.group()
def feedback() -> None:
    """Labelled examples from moderators and suggestscore calls."""


EXPORT_FIELDS = (
    "id",
    "created_at",
    "source",
    "label",
    "value",
    "model_score",
    "model",
    "comment_id",
    "moderator_id",
    "client_token",
    "community_id",
    "text",
)


@feedback.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def feedback_export(fmt: str, output: Path | None, database_url: str | None) -> None:
    """Write every example, oldest first, for retraining."""
    import csv
    import json

    from api.services.feedback import all_examples
    from models.database import Database

    settings = process_config(database_url)
    upgrade(settings.database_url)
    # Written beside the target and renamed at the end: a failed export leaves no half file.
    partial = output.with_name(output.name + ".partial") if output else None
    handle = partial.open("w", newline="", encoding="utf-8") if partial else sys.stdout

    async def run() -> int:
        db = Database(settings.database_url)
        writer = csv.DictWriter(handle, EXPORT_FIELDS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        count = 0
        try:
            async for example in all_examples(db):
                row = {name: getattr(example, name) for name in EXPORT_FIELDS}
                row["created_at"] = example.created_at.isoformat()
                if writer:
                    writer.writerow(row)
                else:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        finally:
            await db.dispose()
        return count

    try:
        count = asyncio.run(run())
    except BaseException:
        if partial:
            handle.close()
            partial.unlink(missing_ok=True)
        raise
    if partial and output:
        handle.close()
        partial.replace(output)
    click.echo(f"exported {count} example(s)", err=True)


@feedback.command("report")
@click.option(
    "--learned",
    is_flag=True,
    help="Re-score the decided comments with the learned scorer's active version.",
)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def feedback_report(learned: bool, database_url: str | None) -> None:
    """Per label: the current hold threshold against moderators' decisions."""
    from api.runtime import Runtime
    from api.services.feedback import LabelReport, threshold_reports

    settings = process_config(database_url)
    upgrade(settings.database_url)

    async def run() -> list[str]:
        runtime = Runtime(settings)
        header: list[str] = []
        try:
            reports: list[LabelReport]
            if learned:
                from api.services.learn import active_version_reports

                try:
                    version, reports = await active_version_reports(runtime)
                except LookupError as exc:
                    raise click.ClickException(str(exc)) from None
                header = [f"# learned@{version}, each decided comment re-scored"]
            else:
                reports = await threshold_reports(runtime.db, runtime.settings.hold_threshold)
        finally:
            await runtime.db.dispose()

        def share(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        lines = [
            *header,
            "label\texamples\ttoxic\tthreshold\theld\twrong_holds\tmissed\tprecision\trecall"
            "\tsame_recall_threshold\tsame_recall_held\tsame_recall_wrong_holds",
        ]
        for item in reports:
            r = item.report
            lines.append(
                f"{item.label}\t{r.examples}\t{r.toxic}\t{r.threshold:g}\t{r.held}\t"
                f"{r.wrong_holds}\t{r.missed}\t{share(r.precision)}\t{share(r.recall)}\t"
                f"{share(r.same_recall_threshold)}\t{r.same_recall_held}\t"
                f"{r.same_recall_wrong_holds}"
            )
        if not reports:
            lines.append("(no moderator decisions on scored comments yet)")
        return lines

    click.echo("\n".join(asyncio.run(run())))
