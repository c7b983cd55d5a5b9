"""Automatic persisted queries (Apollo's protocol): documents remembered by their hash.

A client sends `extensions.persistedQuery = {version: 1, sha256Hash}` without the
query; a server that does not know the hash answers PERSISTED_QUERY_NOT_FOUND and
the client repeats the request with the query, which is then remembered. With
Redis the documents are shared, so a hash registered on one process works on all.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from api.graphql.documents import LRU
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


class PersistedQueries:
    def __init__(self, *, max_entries: int, redis_url: str | None, prefix: str, ttl: int) -> None:
        self.ttl = ttl
        self.prefix = f"{prefix}:apq"
        self._local: LRU[str, str] = LRU(max_entries)
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
