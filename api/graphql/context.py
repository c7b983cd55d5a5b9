"""The per-request GraphQL context (per connection, over WebSocket)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from api.graphql.loaders import Loaders
from api.http.auth import Identity
from api.http.errors import Forbidden, Unauthenticated
from api.http.ratelimit import client_address
from api.runtime import Runtime

# One WebSocket connection runs many operations, and a subscription many events,
# all under one RequestContext: each operation task (and each event) sets its own loaders
# here, so that nothing is answered from a cache older than what it answers.
_current_loaders: ContextVar[Loaders | None] = ContextVar("commentmod_loaders", default=None)


class LiveSocket(Protocol):
    """The WebSocket connection behind a context, as subscriptions see it."""

    def close_soon(self, code: int, reason: str) -> None: ...


@dataclass
class RequestContext:
    runtime: Runtime
    identity: Identity | None
    request_id: str
    request: HTTPConnection | None = None
    # When the identity's token expires (epoch seconds); None when anonymous.
    identity_expires: float | None = None
    # Set over WebSocket: the connection, and the connection_init payload.
    connection: LiveSocket | None = None
    connection_params: dict[str, object] | None = None
    # Set when the response may be cached: what the execution read, as cache tags.
    reads: set[str] | None = None
    _loaders: Loaders = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._loaders = Loaders(self.runtime.db, reads=self.reads)

    @property
    def loaders(self) -> Loaders:
        return _current_loaders.get() or self._loaders

    def use_loaders(self, loaders: Loaders | None = None) -> Loaders:
        """Answer from these loaders (new ones by default) in the current task from now on."""
        loaders = loaders or Loaders(self.runtime.db, reads=self.reads)
        _current_loaders.set(loaders)
        return loaders

    def read(self, tag: str) -> None:
        """Note a dependency of this response (see api/readcache/responsecache.py)."""
        if self.reads is not None:
            self.reads.add(tag)

    def viewer_id(self) -> str | None:
        """Whose own held comments a thread shows besides the approved ones."""
        return None if self.identity is None else self.identity.user_id

    def signed_in(self) -> Identity:
        if self.identity is None:
            raise Unauthenticated("sign in to do this")
        return self.identity

    def client_address(self) -> str | None:
        if self.request is None:
            return None
        peer = self.request.client.host if self.request.client else None
        forwarded = self.request.headers.get("x-forwarded-for")
        return client_address(peer, forwarded, self.runtime.limiter.proxies)

    async def rate_limit(self, action: str) -> Identity:
        """Count one `action` by the signed-in user and their address; RATE_LIMITED when over."""
        identity = self.signed_in()
        await self.runtime.limiter.hit(action, identity.user_id, self.client_address())
        return identity

    def moderator(self) -> Identity:
        identity = self.signed_in()
        if not identity.is_moderator:
            raise Forbidden("moderators only")
        return identity

    def admin(self) -> Identity:
        identity = self.signed_in()
        if not identity.is_admin:
            raise Forbidden("admins only")
        return identity


Info = StrawberryInfo[RequestContext, None]
