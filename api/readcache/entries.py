"""Cached responses: one entry's bytes, ETag and tags, and the in-process LRU of them."""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from api.live.tags import ALL


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    etag: str
    tags: frozenset[str]
    # Wall-clock time its execution began (comparable across processes on one host).
    started: float
    expires: float

    @classmethod
    def of(cls, body: bytes, tags: frozenset[str], started: float, ttl: float) -> Entry:
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        return cls(body, etag, tags | {ALL}, started, started + ttl)

    def pack(self) -> bytes:
        header = {"etag": self.etag, "tags": sorted(self.tags), "started": self.started}
        return json.dumps(header).encode() + b"\n" + self.body

    @classmethod
    def unpack(cls, raw: bytes, ttl: float) -> Entry:
        header, _, body = raw.partition(b"\n")
        meta = json.loads(header)
        started = float(meta["started"])
        return cls(body, str(meta["etag"]), frozenset(meta["tags"]), started, started + ttl)


@dataclass(frozen=True, slots=True)
class CacheReply:
    """A response to send: from the cache (entry), or executed and not storable."""

    body: bytes
    entry: Entry | None
    hit: bool


class LocalEntries:
    """An LRU of entries bounded in bytes, with an index from tag to keys."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._by_tag: defaultdict[str, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= time.time():
            self.drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        self.drop(key)
        self._entries[key] = entry
        self.bytes += len(entry.body)
        for tag in entry.tags:
            self._by_tag[tag].add(key)
        while self.bytes > self.max_bytes:
            self.drop(next(iter(self._entries)))

    def drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.bytes -= len(entry.body)
        for tag in entry.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]

    def drop_mentioning(self, needles: list[bytes]) -> int:
        """Drop every entry whose body contains one of `needles` (an erased user's data)."""
        keys = [k for k, e in self._entries.items() if any(n in e.body for n in needles)]
        for key in keys:
            self.drop(key)
        return len(keys)

    def drop_tags(self, tags: frozenset[str]) -> int:
        if ALL in tags:
            dropped = len(self._entries)
            self._entries.clear()
            self._by_tag.clear()
            self.bytes = 0
            return dropped
        keys = {key for tag in tags for key in self._by_tag.get(tag, ())}
        for key in keys:
            self.drop(key)
        return len(keys)
