"""The GraphQL endpoint: identity is settled before execution, never half-way."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.auth import Identity, InvalidToken, bearer_token, verify_token
from api.graphql.context import Context
from api.graphql.schema import Schema
from api.runtime import Runtime


def unauthenticated(message: str) -> JSONResponse:
    body = {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}],
    }
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, schema: Schema, runtime: Runtime) -> None:
        super().__init__(schema, graphql_ide=None if runtime.settings.production else "graphiql")
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                scope.setdefault("state", {})["identity"] = self.identify(
                    Request(scope).headers.get("authorization")
                )
            except InvalidToken as exc:
                # A bad token fails the whole request: no partial, anonymous answer.
                await unauthenticated(str(exc))(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def identify(self, header: str | None) -> Identity | None:
        token = bearer_token(header)
        if not token:
            return None
        settings = self.runtime.settings
        return verify_token(
            self.runtime.jwt_secret,
            token,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        if isinstance(response, Response):
            response.headers["X-Request-ID"] = request_id
        return Context(
            runtime=self.runtime,
            identity=request.scope.get("state", {}).get("identity"),
            request_id=request_id[:64],
            request=request,
        )
