"""`commentmod rescore`: run held or live comments through the current scorer again."""

from __future__ import annotations

import asyncio
import sys

import click

from api.cli.group import cli, process_config, setup_logging


@cli.command()
@click.option(
    "--status", type=click.Choice(["PENDING", "APPROVED", "REJECTED"], case_sensitive=False)
)
@click.option("--article", "article_slug", help="Only this article's comments (by slug).")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def rescore(status: str | None, article_slug: str | None, database_url: str | None) -> None:
    """Re-run moderation with the current scorer and settings.

    Only comments no moderator has decided on are moved.
    """
    from api.http.errors import AppError
    from api.runtime import Runtime
    from api.services.rescore import count_candidates
    from api.services.rescore import rescore as run_rescore

    settings = process_config(database_url)
    setup_logging(settings)

    async def run() -> tuple[str, int]:
        runtime = Runtime(settings)
        await runtime.start(migrate=True)
        try:
            total = await count_candidates(runtime, status and status.upper(), article_slug)
            with click.progressbar(length=total, label="rescoring", file=sys.stderr) as bar:
                result = await run_rescore(
                    runtime,
                    status=status and status.upper(),
                    article_slug=article_slug,
                    progress=bar.update,
                )
        except AppError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            await runtime.stop()
        summary = (
            f"examined {result.examined} comment(s) with {runtime.scorer.scorer.name}: "
            f"{result.moved} changed status, {result.skipped_conflicts} skipped "
            "(a moderator decided meanwhile)"
        )
        if result.skipped_unscored:
            summary += (
                f", {result.skipped_unscored} not rescored (the scorer failed on them, "
                "twice; their status is unchanged)"
            )
        return summary, result.skipped_unscored

    summary, unscored = asyncio.run(run())
    click.echo(summary)
    if unscored:
        # A partial rescore is not a success: scripts see it, and the operator runs it again.
        raise click.ClickException(
            f"{unscored} comment(s) could not be scored; check the scorer and run rescore again"
        )
