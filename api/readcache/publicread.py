"""The public read path, in front of strawberry: cached responses without execution.

For each HTTP request to /graphql this works out, once per distinct request text
(memoised), the document (resolving an automatic persisted query), whether its
answer can depend on the viewer (api/readcache/cacheability.py) and its cache key.
A cacheable request from a viewer who may share the answer is served from the
response cache (api/readcache/responsecache.py) as precomputed bytes with an ETag, and a
miss executes once for everyone waiting on it. Anything else goes on to
strawberry unchanged (with the persisted document filled in).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send
from strawberry.http import process_result

from api.graphql.context import RequestContext
from api.graphql.documents import LRU
from api.graphql.limits import validation_rules
from api.graphql.schema import Schema
from api.http import jsonbody
from api.http.auth import Identity
from api.http.errors import BadUserInput
from api.observability import logs
from api.observability.middleware import note_operation
from api.readcache import cacheability
from api.readcache.cacheability import Audience, Plan
from api.readcache.entries import Entry
from api.readcache.persisted import PersistedQueries, PersistedQueryNotFound, persisted_hash
from api.runtime import Runtime

# Request texts (GET query strings, POST bodies) up to this size are memoised.
MEMO_MAX_BYTES = 16 * 1024
MEMO_ENTRIES = 4096
PLAN_ENTRIES = 2048
PRIVATE = b"private, no-store"
NO_STORE = b"no-store"
UNCACHED = [(b"cache-control", NO_STORE)]


@dataclass(frozen=True, slots=True)
class Resolved:
    """One request text, understood."""

    params: dict[str, Any]
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    plan: Plan
    # The response cache's key; empty when not cacheable.
    key: str
    # The document came from the persisted-query store, not the request.
    persisted: bool


class Pass:
    """Not for the cache: strawberry answers (the body already read is replayed)."""


PASS = Pass()


def _json_error(message: str, code: str) -> bytes:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return json.dumps(body, separators=(",", ":")).encode()


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None


def _etag_matches(header: bytes | None, etag: str) -> bool:
    if header is None:
        return False
    tags = {tag.strip().removeprefix(b"W/") for tag in header.split(b",")}
    return b"*" in tags or etag.encode() in tags


class PublicReads:
    def __init__(self, schema: Schema, runtime: Runtime) -> None:
        self.schema = schema
        self.runtime = runtime
        self.cache = runtime.cache
        settings = runtime.settings
        self.persisted = PersistedQueries(
            max_entries=settings.persisted_queries_max,
            redis_url=settings.redis_url,
            prefix=settings.redis_prefix,
            ttl=settings.persisted_query_ttl,
            max_bytes=settings.persisted_queries_max_bytes,
            max_document_bytes=settings.persisted_query_max_bytes,
            max_tokens=settings.max_tokens,
        )
        self.public_get = (
            f"public, max-age={settings.http_max_age}, "
            f"stale-while-revalidate={settings.http_stale_while_revalidate}"
        ).encode()
        self._rules = validation_rules(settings)
        # Keyed by the text's hash: an entry costs a few hundred bytes however long
        # the text (plans are kept for texts that fail to parse too).
        self._plans: LRU[tuple[bytes, str | None], Plan] = LRU(PLAN_ENTRIES)
        self._memo: LRU[tuple[str, bytes], Resolved] = LRU(MEMO_ENTRIES)

    async def handle(
        self, scope: Scope, receive: Receive, send: Send, identity: Identity | None
    ) -> tuple[Scope, Receive] | None:
        """Answer the request, or return the (scope, receive) strawberry should answer."""
        method = scope["method"]
        if method == "GET":
            raw = scope.get("query_string") or b""
            if not raw:
                return scope, receive  # GraphiQL, or strawberry's own refusal
        elif method == "POST":
            content_type = _header(scope, b"content-type") or b""
            if not content_type.startswith(b"application/json"):
                return scope, receive
            raw = await _read_body(receive)
            receive = _replay(raw, receive)
        else:
            return scope, receive
        memo_key = (method, raw)
        resolved = self._memo.get(memo_key)
        if resolved is None:
            try:
                found = await self._resolve(method, raw)
            except PersistedQueryNotFound as exc:
                # 200, as Apollo's servers answer it: clients then resend with the query.
                await _send(send, 200, _json_error(str(exc), exc.code), UNCACHED)
                return None
            except BadUserInput as exc:
                await _send(send, 400, _json_error(str(exc), exc.code), UNCACHED)
                return None
            if isinstance(found, Pass):
                return scope, receive
            resolved = found
            if len(raw) <= MEMO_MAX_BYTES:
                self._memo.put(memo_key, resolved)
        note_operation(scope, resolved.plan.operation or resolved.operation_name)
        if not self._shareable(resolved, identity):
            return self._onward(scope, receive, method, resolved)
        if not self.cache.usable:
            self.cache.stats["bypassed"] += 1
            return self._onward(scope, receive, method, resolved)
        entry = self.cache.peek(resolved.key)
        request_id = logs.request_id(scope)
        if entry is not None:
            await self._answer(scope, send, method, identity, entry.body, entry, b"HIT", request_id)
            return None

        async def execute() -> tuple[bytes, frozenset[str], bool]:
            return await self._execute(resolved, scope, request_id)

        outcome = await self.cache.fetch(resolved.key, execute)
        state = b"HIT" if outcome.hit else b"MISS"
        await self._answer(
            scope, send, method, identity, outcome.body, outcome.entry, state, request_id
        )
        return None

    @staticmethod
    def _shareable(resolved: Resolved, identity: Identity | None) -> bool:
        audience = resolved.plan.audience
        if audience is None:
            return False
        if identity is None:
            return True
        # Moderators see moderator-only data; never share with them either way.
        return audience is Audience.READERS and not identity.is_moderator

    async def _resolve(self, method: str, raw: bytes) -> Resolved | Pass:
        params = _decode(method, raw)
        if params is None:
            return PASS
        digest = persisted_hash(params.get("extensions"))
        query = params.get("query")
        if query is not None and not isinstance(query, str):
            return PASS
        persisted = False
        if digest is not None:
            persisted = query is None
            query = await self.persisted.resolve(digest, query)
        if query is None:
            return PASS
        operation_name = params.get("operationName") or None
        variables = params.get("variables")
        if not isinstance(operation_name, str | None) or not isinstance(variables, dict | None):
            return PASS
        plan = self._plan(query, operation_name)
        key = ""
        if plan.audience is not None:
            canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
            key = hashlib.sha256(f"{plan.key}\n{canonical}".encode()).hexdigest()
        return Resolved(params, query, variables, operation_name, plan, key, persisted)

    def _plan(self, query: str, operation_name: str | None) -> Plan:
        text_key = (hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest(), operation_name)
        found = self._plans.get(text_key)
        if found is None:
            found = cacheability.plan(
                self.schema._schema,
                query,
                operation_name,
                max_tokens=self.runtime.settings.max_tokens,
                rules=self._rules,
            )
            self._plans.put(text_key, found)
        return found

    def _onward(
        self, scope: Scope, receive: Receive, method: str, resolved: Resolved
    ) -> tuple[Scope, Receive]:
        """To strawberry; a persisted document is written into the request it reads."""
        if not resolved.persisted:
            return scope, receive
        params = {**resolved.params, "query": resolved.query}
        if method == "GET":
            text = {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in params.items()
                if v is not None
            }
            return {**scope, "query_string": urlencode(text).encode()}, receive
        body = json.dumps(params).encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        return {**scope, "headers": headers}, _replay(body, receive)

    async def _execute(
        self, resolved: Resolved, scope: Scope, request_id: str
    ) -> tuple[bytes, frozenset[str], bool]:
        """Run the query as an anonymous reader, noting what it read."""
        reads: set[str] = set()
        context = RequestContext(
            runtime=self.runtime,
            identity=None,
            request_id=request_id,
            request=Request(scope),
            reads=reads,
        )
        result = await self.schema.execute(
            resolved.query,
            variable_values=resolved.variables,
            context_value=context,
            operation_name=resolved.operation_name,
        )
        body = json.dumps(process_result(result), separators=(",", ":")).encode()
        # Errors (a database outage, a bad argument) are answered, never stored.
        return body, frozenset(reads), not result.errors

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        method: str,
        identity: Identity | None,
        body: bytes,
        entry: Entry | None,
        state: bytes,
        request_id: str,
    ) -> None:
        if identity is not None:
            cache_control = PRIVATE
        elif entry is not None and method == "GET":
            cache_control = self.public_get
        else:
            cache_control = NO_STORE
        headers = [
            (b"cache-control", cache_control),
            (b"vary", b"Authorization"),
            (b"x-request-id", request_id.encode()),
            (b"x-cache", state),
        ]
        if entry is None:
            await _send(send, 200, body, headers)
            return
        headers.append((b"etag", entry.etag.encode()))
        if method == "GET" and _etag_matches(_header(scope, b"if-none-match"), entry.etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await _send(send, 200, body, headers)

    async def aclose(self) -> None:
        await self.persisted.aclose()


def _decode(method: str, raw: bytes) -> dict[str, Any] | None:
    """The request's parameters; None when strawberry should explain what is wrong."""
    try:
        if method == "POST":
            decoded = jsonbody.decode(raw)
            return decoded if isinstance(decoded, dict) else None
        params: dict[str, Any] = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        for name in ("variables", "extensions"):
            if params.get(name):
                params[name] = jsonbody.decode(params[name])
            else:
                params.pop(name, None)
        return params
    except (ValueError, UnicodeDecodeError):
        return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
