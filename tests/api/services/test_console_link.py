"""Console sign-in links: exchanged once for a session token, useless before and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from click.testing import CliRunner
from sqlmodel import select

from api.cli.main import cli
from api.http.auth import Identity, Role, issue_console_link
from models.tables import UsedConsoleLink
from tests.support.client import Api

EXCHANGE = """mutation($t: String!) {
  exchangeConsoleLink(input: {token: $t}) { token expiresAt viewer { id name role } } }"""
COUNTS = "{ moderationQueueCounts { pending reported rejected approved } }"


def link(api: Api, role: Role = Role.MODERATOR, ttl: int = 600) -> str:
    return issue_console_link(api.runtime.jwt_secret, Identity("mona", "Mona", role), ttl)


async def test_a_link_is_exchanged_once_for_a_session(api: Api) -> None:
    token = link(api)
    session = (await api.data(EXCHANGE, {"t": token}))["exchangeConsoleLink"]
    assert session["viewer"] == {"id": "mona", "name": "Mona", "role": "MODERATOR"}
    # The session token is a moderator's bearer token.
    assert "moderationQueueCounts" in await api.data(COUNTS, as_=session["token"])

    again = await api.error(EXCHANGE, {"t": token})
    assert again["extensions"] == {"code": "CONFLICT", "reason": "LINK_USED"}


async def test_the_link_itself_is_not_a_session_token(api: Api) -> None:
    response = await api.post(COUNTS, as_=link(api))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_forged_and_commenter_links_are_refused(api: Api) -> None:
    claims = jwt.decode(link(api), options={"verify_signature": False})
    stale = jwt.encode({**claims, "exp": claims["exp"] - 3600}, api.runtime.jwt_secret)
    forged = jwt.encode(claims, "another-secret-" + "y" * 40)
    session = api.token("ann")  # a plain session token is not a link either
    for token, reason in (
        (stale, "LINK_EXPIRED"),
        (forged, "LINK_INVALID"),
        (link(api, Role.COMMENTER), "LINK_INVALID"),
        (session, "LINK_INVALID"),
        ("not a token", "LINK_INVALID"),
    ):
        error = await api.error(EXCHANGE, {"t": token})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "token", "reason": reason}


async def test_cli_prints_a_link_to_the_console(api: Api) -> None:
    runner = CliRunner()
    env = {
        "COMMENTMOD_JWT_SECRET": api.runtime.jwt_secret,
        "COMMENTMOD_DATABASE_URL": api.runtime.settings.database_url,
    }
    result = runner.invoke(
        cli,
        ["console-link", "--user", "mona", "--name", "Mona", "--base-url", "https://mod.example/"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    prefix = "https://mod.example/console#link="
    assert url.startswith(prefix)
    session = (await api.data(EXCHANGE, {"t": url.removeprefix(prefix)}))["exchangeConsoleLink"]
    assert session["viewer"]["role"] == "MODERATOR"


async def test_queue_counts_include_the_approved_queue(api: Api) -> None:
    article = await api.create_article()
    await api.comment(article["id"], "A reasonable view.", as_=api.token("ann"))
    counts = (await api.data(COUNTS, as_=api.token("mo", "moderator")))["moderationQueueCounts"]
    assert counts == {"pending": 0, "reported": 0, "rejected": 0, "approved": 1}


async def test_spent_links_are_forgotten_once_they_would_have_expired(api: Api) -> None:
    await api.data(EXCHANGE, {"t": link(api)})
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    async with api.runtime.db.write() as session:
        session.add(UsedConsoleLink(jti="old", user_id="mona", expires_at=long_ago))
    await api.data(EXCHANGE, {"t": link(api)})
    async with api.runtime.db.read() as session:
        kept = (await session.exec(select(UsedConsoleLink.jti))).all()
    assert len(kept) == 2 and "old" not in kept
