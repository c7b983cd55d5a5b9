"""`commentmod token` and `console-link`: signed credentials for users and moderators."""

from __future__ import annotations

import click

from api.cli.group import cli, process_config
from api.http.auth import Identity, Role, issue_token


@cli.command()
@click.option("--user", "user_id", required=True, help="The user id (token subject).")
@click.option("--name", required=True, help="The display name.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role], case_sensitive=False), default="commenter"
)
@click.option(
    "--ttl", default=86400, show_default=True, type=click.IntRange(min=1), help="Seconds."
)
def token(user_id: str, name: str, role: str, ttl: int) -> None:
    """Print a signed token, and nothing else."""
    settings = process_config()
    identity = Identity(user_id=user_id, name=name, role=Role(role.lower()))
    click.echo(
        issue_token(
            settings.resolve_jwt_secret(),
            identity,
            ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    )


@cli.command("console-link")
@click.option("--user", "user_id", required=True, help="The moderator's user id.")
@click.option("--name", required=True, help="The display name.")
@click.option(
    "--role",
    type=click.Choice([Role.MODERATOR.value, Role.ADMIN.value], case_sensitive=False),
    default=Role.MODERATOR.value,
    show_default=True,
)
@click.option("--ttl", default=900, show_default=True, type=click.IntRange(min=1), help="Seconds.")
@click.option(
    "--base-url", default="http://127.0.0.1:8000", show_default=True, help="Where serve listens."
)
def console_link(user_id: str, name: str, role: str, ttl: int, base_url: str) -> None:
    """Print a one-time sign-in link to the moderator console.

    The link's token is exchanged for a session when the console opens it, and is
    useless afterwards. It travels in the URL fragment, which browsers never send
    to the server, so it stays out of access logs.
    """
    from api.http.auth import issue_console_link

    settings = process_config()
    identity = Identity(user_id=user_id, name=name, role=Role(role.lower()))
    link = issue_console_link(
        settings.resolve_jwt_secret(),
        identity,
        ttl,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    click.echo(f"{base_url.rstrip('/')}/console#link={link}")
