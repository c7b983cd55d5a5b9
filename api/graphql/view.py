"""The GraphQL endpoint: identity is settled before execution, never half-way."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from api.auth import Identity, InvalidToken, bearer_token, verify_token
from api.graphql.context import Context
from api.graphql.schema import Schema
from api.runtime import Runtime


def error_response(
    message: str, code: str, status_code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status_code, headers=headers)


def unauthenticated(message: str) -> JSONResponse:
    return error_response(message, "UNAUTHENTICATED", 401, {"WWW-Authenticate": "Bearer"})


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

    async def run(
        self,
        request: Request | WebSocket,
        context: Any = UNSET,
        root_value: Any = UNSET,
    ) -> Any:
        """strawberry answers a request it cannot read (malformed JSON, invalid UTF-8,
        wrong content type, a mutation over GET) in plain text; answer in GraphQL's
        JSON instead, with a code, so that every client can read every refusal."""
        try:
            return await super().run(request, context, root_value)  # type: ignore[arg-type]
        except HTTPException as exc:
            if isinstance(request, WebSocket):
                raise
            code = "BAD_USER_INPUT" if exc.status_code < 500 else "INTERNAL_SERVER_ERROR"
            headers = {"Allow": "GET, POST"} if exc.status_code == 405 else None
            return error_response(exc.reason, code, exc.status_code, headers)

    def decode_json(self, data: str | bytes) -> object:
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise HTTPException(400, "the request body is not valid UTF-8") from None
        decoded = json.loads(text)
        # A list is a batch, which strawberry refuses by itself; anything else must be an object.
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "the request body must be a JSON object")
        return decoded

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
