"""`commentmod export-schema`: the GraphQL schema in SDL."""

from __future__ import annotations

import click

from api.cli.group import cli


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL SDL."""
    from api.graphql.schema import schema

    click.echo(schema.as_str())
