"""The site's external moderation endpoint: admins configure it; add_comment asks it
through moderation/external.py (one client per configuration, kept for reuse)."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import BadUserInput
from api.observability import metrics
from models.database import Database
from models.tables import ExternalModeration, utcnow
from moderation.external import ExternalModerator, Verdict

MIN_SECRET = 16
MAX_SECRET = 200
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 100, 10_000
_LOOPBACK_NAMES = {"localhost"}
_moderators: dict[tuple[str, str, int], ExternalModerator] = {}


@dataclass(frozen=True)
class ExternalChange:
    url: str
    secret: str | None
    timeout_ms: int
    enabled: bool


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """HTTPS only: comment text travels to it. Plain HTTP to this machine (a sidecar,
    a test) is the one exception."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # a ValueError for a bad port
    except ValueError:
        raise BadUserInput("not a URL", field="url") from None
    del port
    host = parts.hostname or ""
    if not host or len(url) > 2000 or parts.username or parts.password:
        raise BadUserInput("a URL with a host, at most 2000 characters", field="url")
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(host)):
        return url
    raise BadUserInput("the endpoint must be https:// (http:// only on loopback)", field="url")


async def configure(db: Database, admin: Identity, change: ExternalChange) -> ExternalModeration:
    url = check_url(change.url)
    if not MIN_TIMEOUT_MS <= change.timeout_ms <= MAX_TIMEOUT_MS:
        raise BadUserInput(
            f"timeoutMs must be from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}", field="timeoutMs"
        )
    if change.secret is not None and not MIN_SECRET <= len(change.secret) <= MAX_SECRET:
        raise BadUserInput(
            f"the secret must be {MIN_SECRET} to {MAX_SECRET} characters", field="secret"
        )
    async with db.write() as session:
        row = await session.get(ExternalModeration, 1)
        if row is None:
            if change.secret is None:
                raise BadUserInput("a secret is needed the first time", field="secret")
            row = ExternalModeration(id=1, url=url, secret=change.secret)
        row.url, row.timeout_ms, row.enabled = url, change.timeout_ms, change.enabled
        if change.secret is not None:
            row.secret = change.secret
        row.updated_by, row.updated_at = admin.user_id, utcnow()
        session.add(row)
    return row


async def current(db: Database) -> ExternalModeration | None:
    async with db.read() as session:
        return await session.get(ExternalModeration, 1)


def _counted(verdict: Verdict) -> None:
    metrics.external_outcome(verdict.action, verdict.why)


async def moderator(session: AsyncSession) -> ExternalModerator | None:
    """The configured endpoint's client, if one is enabled (read in the caller's session)."""
    row = await session.get(ExternalModeration, 1)
    if row is None or not row.enabled:
        return None
    key = (row.url, row.secret, row.timeout_ms)
    found = _moderators.get(key)
    if found is None:
        found = ExternalModerator(row.url, row.secret, row.timeout_ms / 1000, listener=_counted)
        _moderators.clear()  # the configuration changed: the old client goes
        _moderators[key] = found
    return found
