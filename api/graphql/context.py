"""The per-request GraphQL context."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from api.auth import Identity
from api.errors import Forbidden, Unauthenticated
from api.graphql.loaders import Loaders
from api.ratelimit import client_address
from api.runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    identity: Identity | None
    request_id: str
    request: HTTPConnection | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.runtime.db)

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


Info = StrawberryInfo[Context, None]
