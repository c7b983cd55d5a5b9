"""Console sign-in links: a short-lived token exchanged, once, for a session token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from api.http.auth import LEEWAY_SECONDS, InvalidToken, issue_token, verify_console_link
from api.http.errors import BadUserInput, Conflict
from api.runtime import Runtime
from api.services.users import remember
from models.tables import UsedConsoleLink, User, utcnow


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime
    user: User


async def exchange_link(runtime: Runtime, token: str) -> Session:
    """The session for a valid, unused moderator link; the link is spent in the same
    transaction, so two exchanges racing each other cannot both succeed. A bad or
    expired link is BAD_USER_INPUT (reason LINK_INVALID or LINK_EXPIRED), a spent one
    CONFLICT (reason LINK_USED)."""
    settings = runtime.settings
    try:
        link = verify_console_link(
            runtime.jwt_secret,
            token,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            max_lifetime=settings.jwt_max_lifetime,
        )
    except InvalidToken as exc:
        reason = "LINK_EXPIRED" if "expired" in str(exc) else "LINK_INVALID"
        raise BadUserInput(
            f"this sign-in link is not valid: {exc}", field="token", reason=reason
        ) from None
    if not link.identity.is_moderator:
        raise BadUserInput(
            "this sign-in link is not for a moderator", field="token", reason="LINK_INVALID"
        )
    now = utcnow()
    try:
        async with runtime.db.write() as session:
            # Spent links are only needed until they would have expired anyway (the
            # leeway included: until then, their token still verifies).
            stale = now - timedelta(seconds=LEEWAY_SECONDS)
            await session.exec(
                delete(UsedConsoleLink).where(col(UsedConsoleLink.expires_at) < stale)  # type: ignore[call-overload]
            )
            user = await remember(session, link.identity)
            session.add(
                UsedConsoleLink(
                    jti=link.jti,
                    user_id=link.identity.user_id,
                    expires_at=datetime.fromtimestamp(link.expires_at, UTC),
                    used_at=now,
                )
            )
            await session.flush()
    except IntegrityError:
        # Like a second report: what the link asks for was done once already.
        raise Conflict(
            "this sign-in link was already used; ask for a new one", reason="LINK_USED"
        ) from None
    session_token = issue_token(
        runtime.jwt_secret,
        link.identity,
        settings.console_session_seconds,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    expires = now + timedelta(seconds=settings.console_session_seconds)
    return Session(token=session_token, expires_at=expires, user=user)
