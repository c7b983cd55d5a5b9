"""The `commentmod` entry point: the command group with every command registered."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError

# The command modules register themselves on the group when imported.
from api.cli import (  # noqa: F401
    apikeys,
    articles,
    database,
    evaluate,
    feedback,
    report,
    rescore,
    schema,
    scoremodels,
    serve,
    tokens,
    users,
    webhooks,
)
from api.cli.group import cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli()
    except OperationalError as exc:
        # A database that cannot be reached is an operator's problem, not a crash.
        click.echo(f"Error: cannot use the database: {exc.orig or exc}", err=True)
        sys.exit(1)
