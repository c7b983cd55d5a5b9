"""`commentmod evaluate FILE`: how a scorer does on a site's own labelled comments."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from api.cli.group import cli, process_config


@cli.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", help="A learned model version (default: the active scorer).")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Curves' PNG.")
def evaluate(file: Path, version: str | None, png: Path | None) -> None:
    """Precision, recall, hold rate, AUC, calibration and confusion per label on FILE
    (CSV or JSON Lines: text, label[, labels...]); curves in FILE.png unless --png."""
    from api.services.evaluate import evaluate_file
    from moderation.learning.labelled import LabelledFileError
    from moderation.learning.quality import table

    settings = process_config()
    with click.progressbar(length=0, label="scoring", file=sys.stderr) as bar:

        def started(total: int) -> None:
            bar.length = total

        try:
            outcome = evaluate_file(
                settings,
                file,
                version=version,
                png=png or file.with_name(file.name + ".png"),
                progress=bar.update,
                started=started,
            )
        except LabelledFileError as exc:
            raise click.ClickException(f"{exc.code}: {exc}") from None
        except LookupError as exc:  # an unknown --version
            raise click.ClickException(str(exc)) from None
    click.echo(f"# {outcome.scorer} on {outcome.rows} comments")
    click.echo(table(outcome.results))
    if outcome.unscored:
        click.echo(f"# not reported by this scorer: {', '.join(outcome.unscored)}")
    click.echo(f"# curves: {outcome.png}")
