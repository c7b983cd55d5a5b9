"""Identity from signed tokens (HS256 JWT)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

ALGORITHM = "HS256"
# Clock skew tolerated between the token issuer and this server.
LEEWAY_SECONDS = 30


class Role(StrEnum):
    COMMENTER = "commenter"
    MODERATOR = "moderator"
    ADMIN = "admin"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    user_id: str
    name: str
    role: Role

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def issue_token(
    secret: str,
    identity: Identity,
    ttl_seconds: int,
    *,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    return _encode(secret, identity, ttl_seconds, {}, issuer, audience)


def _encode(
    secret: str,
    identity: Identity,
    ttl_seconds: int,
    extra: dict[str, object],
    issuer: str | None,
    audience: str | None,
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": identity.user_id,
        "name": identity.name,
        "role": identity.role.value,
        **extra,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# The `purpose` claim of a console sign-in link's token. Such a token is never a
# session token itself: exchangeConsoleLink trades it, once, for one.
CONSOLE_LINK = "console-link"


@dataclass(frozen=True)
class ConsoleLink:
    identity: Identity
    jti: str
    expires_at: float


def issue_console_link(
    secret: str,
    identity: Identity,
    ttl_seconds: int,
    *,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    extra: dict[str, object] = {"purpose": CONSOLE_LINK, "jti": secrets.token_urlsafe(24)}
    return _encode(secret, identity, ttl_seconds, extra, issuer, audience)


def verify_token(
    secret: str,
    token: str,
    *,
    issuer: str | None = None,
    audience: str | None = None,
    max_lifetime: int | None = None,
) -> Identity:
    """The identity a valid session token names. When issuer or audience is configured,
    the token must carry exactly that claim; without them, PyJWT still refuses a token
    that names an audience (it cannot be meant for an unconfigured server). A token
    with a `purpose` (a console link) is not a session token."""
    required = ["exp", "sub", "name", "role"]
    identity, claims = _decode(secret, token, required, issuer, audience, max_lifetime)
    if "purpose" in claims:
        raise InvalidToken("invalid token: a sign-in link is not a session token")
    return identity


def verify_console_link(
    secret: str,
    token: str,
    *,
    issuer: str | None = None,
    audience: str | None = None,
    max_lifetime: int | None = None,
) -> ConsoleLink:
    required = ["exp", "sub", "name", "role", "jti", "purpose"]
    identity, claims = _decode(secret, token, required, issuer, audience, max_lifetime)
    jti = claims["jti"]
    if claims["purpose"] != CONSOLE_LINK or not isinstance(jti, str) or not 0 < len(jti) <= 64:
        raise InvalidToken("invalid token: not a console sign-in link")
    return ConsoleLink(identity=identity, jti=jti, expires_at=float(claims["exp"]))


def _decode(
    secret: str,
    token: str,
    required: list[str],
    issuer: str | None,
    audience: str | None,
    max_lifetime: int | None = None,
) -> tuple[Identity, dict[str, Any]]:
    required += ["iss"] if issuer else []
    required += ["aud"] if audience else []
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # pinned: 'none' and other algorithms are refused
            options={"require": required},
            leeway=LEEWAY_SECONDS,
            issuer=issuer or None,
            audience=audience or None,
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("token expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"invalid token: {exc}") from exc
    # Claims are checked as exactly as the signature: a token is not coerced into shape.
    role, user_id, name = claims["role"], claims["sub"], claims["name"]
    if role not in tuple(Role):
        raise InvalidToken(f"invalid token: unknown role {role!r}")
    if not (_is_text(user_id) and _is_text(name)) or not user_id:
        raise InvalidToken("invalid token: sub and name must be text of at most 200 characters")
    exp = claims["exp"]
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidToken("invalid token: exp must be a number")
    # A leaked token that never expires (exp in the year 9999) is a permanent key.
    if max_lifetime is not None and exp - time.time() > max_lifetime + LEEWAY_SECONDS:
        raise InvalidToken(
            f"invalid token: it expires more than {max_lifetime} s from now "
            "(COMMENTMOD_JWT_MAX_LIFETIME)"
        )
    return Identity(user_id=user_id, name=name, role=Role(role)), claims


def _is_text(value: object) -> bool:
    """A string a database stores as it is: no NUL, no lone surrogate, at most 200."""
    if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def token_expiry(token: str) -> float:
    """When a token verify_token accepted stops being valid (epoch seconds, leeway included)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims["exp"]) + LEEWAY_SECONDS


def bearer_token(header: str | None) -> str | None:
    """The token of an 'Authorization: Bearer <token>' header; None when absent."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization header must be 'Bearer <token>'")
    return token.strip()
