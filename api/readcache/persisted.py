"""Automatic persisted queries (Apollo's protocol): documents remembered by their hash.

A client sends `extensions.persistedQuery = {version: 1, sha256Hash}` without the
query; a server that does not know the hash answers PERSISTED_QUERY_NOT_FOUND and
the client repeats the request with the query, which is then remembered. With
Redis the documents are shared, so a hash registered on one process works on all.

Anyone may register a document, so only what could run is kept: a text that does not
parse as GraphQL is refused (BAD_USER_INPUT), one longer than `max_document_bytes`
is answered but never remembered, and the in-process store is bounded in bytes
(`max_bytes`), not only in entries.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Any

from graphql import GraphQLError, parse

from api.http.errors import AppError, BadUserInput

logger = logging.getLogger("commentmod.persisted")

SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(AppError):
    code = "PERSISTED_QUERY_NOT_FOUND"


def persisted_hash(extensions: object) -> str | None:
    """The sha256Hash the request names, None when it names none; BadUserInput when
    the extension is malformed or of a version other than 1."""
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise BadUserInput("extensions.persistedQuery must be an object")
    if persisted.get("version") != 1:
        raise BadUserInput("unsupported persisted query version; use version 1")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise BadUserInput("persistedQuery.sha256Hash must be 64 lowercase hex digits")
    return digest


def _size(text: str) -> int:
    """Bytes of UTF-8 (without a copy for ASCII, the usual case)."""
    return len(text) if text.isascii() else len(text.encode())


class Documents:
    """An LRU of documents by hash, bounded in entries and in bytes of text."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, str] = OrderedDict()

    def get(self, digest: str) -> str | None:
        found = self._items.get(digest)
        if found is not None:
            self._items.move_to_end(digest)
        return found

    def put(self, digest: str, query: str) -> None:
        size = _size(query)
        if size > self.max_bytes:
            return
        old = self._items.pop(digest, None)
        if old is not None:
            self.bytes -= _size(old)
        self._items[digest] = query
        self.bytes += size
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= _size(evicted)

    def __contains__(self, digest: object) -> bool:
        return digest in self._items

    def __len__(self) -> int:
        return len(self._items)


class PersistedQueries:
    def __init__(
        self,
        *,
        max_entries: int,
        redis_url: str | None,
        prefix: str,
        ttl: int,
        max_bytes: int = 16 * 1024 * 1024,
        max_document_bytes: int = 64 * 1024,
        max_tokens: int | None = None,
    ) -> None:
        self.ttl = ttl
        self.prefix = f"{prefix}:apq"
        self.max_document_bytes = max_document_bytes
        self.max_tokens = max_tokens
        self._local = Documents(max_entries, max_bytes)
        self._redis: Any = None
        if redis_url:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    async def resolve(self, digest: str, query: str | None) -> str:
        """The document for a hash: the one sent (checked against it, then remembered),
        else a remembered one; PersistedQueryNotFound when neither."""
        if query is not None:
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                raise BadUserInput("persistedQuery.sha256Hash does not match the query")
            self._check(query)
            if _size(query) <= self.max_document_bytes:
                await self._remember(digest, query)
            return query
        found = self._local.get(digest)
        if found is None and self._redis is not None:
            try:
                raw = await self._redis.get(f"{self.prefix}:{digest}")
            except Exception as exc:
                logger.warning("persisted queries: Redis failed (%s)", exc)
                raw = None
            if raw is not None:
                found = raw.decode()
                self._local.put(digest, found)
        if found is None:
            raise PersistedQueryNotFound("PersistedQueryNotFound")
        return found

    def _check(self, query: str) -> None:
        """A document is parsed before it is remembered; one that does not parse is
        refused here (strawberry would parse it twice more only to say so)."""
        try:
            parse(query, max_tokens=self.max_tokens, no_location=True)
        except GraphQLError as exc:
            raise BadUserInput(f"the persisted query does not parse: {exc.message}") from None

    async def _remember(self, digest: str, query: str) -> None:
        known = digest in self._local
        self._local.put(digest, query)
        if known or self._redis is None:
            return
        try:
            await self._redis.set(f"{self.prefix}:{digest}", query.encode(), ex=self.ttl)
        except Exception as exc:
            logger.warning("persisted queries: Redis failed (%s)", exc)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
