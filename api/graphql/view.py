"""The GraphQL endpoint: identity is settled before execution, never half-way.

Over HTTP the identity comes from the Authorization header. Over WebSocket
(graphql-transport-ws, the protocol of the `graphql-ws` client) it comes from the
`connection_init` payload, `{"authorization": "Bearer <token>"}`; a bad token
there closes the connection with 4403 Forbidden, as the protocol says.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message as ASGIMessage
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)
from strawberry.types.unset import UNSET, UnsetType

from api.graphql.context import RequestContext
from api.graphql.fanout import Fanout
from api.graphql.mediatype import negotiated
from api.graphql.schema import Schema
from api.http import jsonbody
from api.http.auth import Identity, InvalidToken, bearer_token, token_expiry, verify_token
from api.http.jsonbody import InvalidJSON
from api.observability import logs, metrics
from api.readcache.publicread import NO_STORE, PRIVATE, PublicReads
from api.runtime import Runtime
from api.services.users import with_standing

logger = logging.getLogger("commentmod.ws")
NO_ACK_PAYLOAD: UnsetType = UNSET
UNAVAILABLE = "the service is temporarily unavailable; try again shortly"


def error_response(
    message: str, code: str, status_code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status_code, headers=headers)


def unauthenticated(message: str) -> JSONResponse:
    return error_response(message, "UNAUTHENTICATED", 401, {"WWW-Authenticate": "Bearer"})


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers") or ():
        if name == wanted:
            return bytes(value)
    return None


def _authorization(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    return value.decode("latin-1") if value is not None else None


def _uncached(send: Send, cache_control: bytes) -> Send:
    """What strawberry answers is never stored by shared caches (it may be personal)."""

    async def sending(message: ASGIMessage) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            if not any(name.lower() == b"cache-control" for name, _ in headers):
                headers.append((b"cache-control", cache_control))
            message = {**message, "headers": headers}
        await send(message)

    return sending


@functools.lru_cache(maxsize=512)
def is_subscription(query: str, operation_name: str | None) -> bool:
    try:
        document = parse(query)
    except GraphQLError:
        return False  # strawberry answers it as the protocol says
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    return len(operations) == 1 and operations[0].operation is OperationType.SUBSCRIPTION


class LiveConnection(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """graphql-transport-ws as strawberry speaks it, plus: keep-alive pings, fresh
    loaders for every operation, subscriptions executed once per process for all
    who send the same one as the same viewer (api/graphql/fanout.py), and a way to
    close the connection with a reason (a subscriber that fell behind)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context.connection = self
        self.endpoint: GraphQLEndpoint = self.view  # type: ignore[assignment]
        self.keep_alive_interval = self.endpoint.runtime.settings.ws_keep_alive_interval
        self._keep_alive: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._keep_alive is None:
            self._keep_alive = asyncio.create_task(self._ping(), name="ws-keep-alive")

    async def _ping(self) -> None:
        # The protocol's own ping: the client answers pong; proxies see traffic.
        # (uvicorn also pings at the WebSocket level and drops peers that stop answering.)
        # A connection does not outlive its token: at expiry it is closed, and the
        # client reconnects with a fresh one.
        with contextlib.suppress(Exception):
            while True:
                expires = self.context.identity_expires
                left = expires - time.time() if expires is not None else math.inf
                if left <= 0:
                    self.close_soon(4403, "Forbidden: token expired")
                    return
                await asyncio.sleep(min(self.keep_alive_interval, left))
                if expires is None or time.time() < expires:
                    await self.send_message({"type": "ping"})

    async def run_operation(self, operation: Operation[RequestContext, None]) -> None:
        # Runs in the operation's own task: its loaders are its own, never an
        # earlier operation's cache.
        self.context.use_loaders()
        if not is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        results = self.endpoint.fanout.listen(
            operation.query,
            operation.variables,
            operation.operation_name,
            self.context.identity,
            self.close_soon,
        )
        metrics.SUBSCRIPTIONS.inc()
        try:
            async with contextlib.aclosing(results):
                await self._send_result_stream(operation, results)  # type: ignore[arg-type]
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except Exception as error:
            # As strawberry's own run_operation: log, complete, forget the operation.
            if type(error).__name__ == "_OperationStreamClosed":
                return
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            metrics.SUBSCRIPTIONS.dec()

    async def send_message(self, message: Message) -> None:
        if self._closing is not None:
            return  # closing: what operations still say goes nowhere
        await super().send_message(message)

    def close_soon(self, code: int, reason: str) -> None:
        if self._closing is None:
            logger.info("closing a WebSocket connection: %s", reason)
            self._closing = asyncio.create_task(self._close(code, reason), name="ws-close")

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason[:120])

    async def shutdown(self) -> None:
        if self._keep_alive is not None:
            self._keep_alive.cancel()
        for task in (self._keep_alive, self._closing):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await super().shutdown()


class GraphQLEndpoint(GraphQL[RequestContext, None]):
    graphql_transport_ws_handler_class = LiveConnection

    def __init__(self, schema: Schema, runtime: Runtime) -> None:
        settings = runtime.settings
        super().__init__(
            schema,
            graphql_ide=None if settings.production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_connection_init_timeout),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
            allowed_origins=settings.ws_allowed_origins,
        )
        self.runtime = runtime
        self.fanout = Fanout(schema, runtime)
        # Public reads answered before strawberry, from the response cache.
        self.reads = PublicReads(schema, runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # application/json or application/graphql-response+json (api/graphql/mediatype.py).
            send = negotiated(send, _header(scope, b"accept"))
        if scope["type"] in ("http", "websocket"):
            try:
                header = _authorization(scope)
                identity = self.identify(header) if header else None
                state = scope.setdefault("state", {})
                state["identity"] = identity
                if identity is not None:
                    state["identity_expires"] = token_expiry(bearer_token(header) or "")
            except InvalidToken as exc:
                # A bad token fails the whole request: no partial, anonymous answer.
                if scope["type"] == "http":
                    await unauthenticated(str(exc))(scope, receive, send)
                else:
                    # Refused before the handshake completes: the client sees HTTP 403.
                    await WebSocket(scope, receive, send).close(code=1008)
                return
            if identity is not None:
                try:
                    identity = await with_standing(self.runtime.db, identity)
                except Exception as exc:
                    logger.warning("cannot read a staff member's standing: %s", exc)
                    if scope["type"] == "http":
                        await error_response(UNAVAILABLE, "UNAVAILABLE", 503)(scope, receive, send)
                    else:
                        await WebSocket(scope, receive, send).close(code=1011)
                    return
                scope["state"]["identity"] = identity
            if scope["type"] == "http":
                onward = await self.reads.handle(scope, receive, send, identity)
                if onward is None:
                    return  # answered from the response cache (or an APQ refusal)
                scope, receive = onward
                send = _uncached(send, PRIVATE if identity is not None else NO_STORE)
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
            reason = exc.reason
            refused = exc.__cause__.__cause__ if exc.__cause__ is not None else None
            if isinstance(refused, InvalidJSON):
                reason = str(refused)  # clearer than strawberry's "Unable to parse"
            return error_response(reason, code, exc.status_code, headers)

    def decode_json(self, data: str | bytes) -> object:
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise HTTPException(400, "the request body is not valid UTF-8") from None
        try:
            decoded = jsonbody.decode(text)
        except InvalidJSON as exc:
            # As malformed JSON: a 400 over HTTP (see run), 4400 on a WebSocket.
            raise json.JSONDecodeError(str(exc), text, 0) from exc
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
            max_lifetime=settings.jwt_max_lifetime,
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """connection_init: a token in the payload names who subscribes."""
        params = context.connection_params or {}
        header = params.get("authorization", params.get("Authorization"))
        if header is None:
            return NO_ACK_PAYLOAD  # anonymous (or the handshake's Authorization header)
        try:
            if not isinstance(header, str):
                raise InvalidToken("authorization must be 'Bearer <token>'")
            identity = self.identify(header)
            context.identity = await with_standing(self.runtime.db, identity) if identity else None
            context.identity_expires = token_expiry(bearer_token(header) or "")
        except InvalidToken as exc:
            logger.info("WebSocket connection refused: %s", exc)
            raise ConnectionRejectionError({"message": str(exc)}) from None
        return NO_ACK_PAYLOAD

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        state = request.scope.get("state", {})
        request_id = (
            state.get("request_id") or request.headers.get("x-request-id") or logs.new_request_id()
        )
        if isinstance(response, Response):
            response.headers["X-Request-ID"] = request_id
        return RequestContext(
            runtime=self.runtime,
            identity=state.get("identity"),
            identity_expires=state.get("identity_expires"),
            request_id=request_id[:64],
            request=request,
        )
