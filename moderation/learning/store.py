"""Model versions on disk: one folder per version, a manifest naming the active one.

    <models dir>/
      manifest.json          {"active": VERSION, "events": [{at, version, event, why}, ...]}
      versions/VERSION/
        heads.npz, heads.json   the trained heads (arrays only; loading runs no code)
        version.json            when and from what it was trained, its evaluation
                                report, and whether and why it was (not) activated
      cache/                 embeddings of the seed set, per encoder version

Writes go to a temporary file renamed into place, under an exclusive lock, so that
two `commentmod learn` runs or a running server never see half a manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moderation.learning.heads import Heads

VERSION_ID = re.compile(r"^v(\d{4,})-\d{8}T\d{6}$")


class UnknownVersion(LookupError):
    pass


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_json(path: Path, data: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


@dataclass(frozen=True)
class VersionInfo:
    id: str
    created_at: str
    active: bool
    data: dict[str, Any]


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.cache_dir = self.root / "cache"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def manifest(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"active": None, "events": []}
        return data

    def manifest_stamp(self) -> float | None:
        """Changes whenever the manifest is rewritten (the server polls it)."""
        try:
            return self.manifest_path.stat().st_mtime_ns / 1e9
        except FileNotFoundError:
            return None

    def active(self) -> str | None:
        active = self.manifest().get("active")
        return str(active) if active else None

    def folder(self, version: str) -> Path:
        if not VERSION_ID.match(version):
            raise UnknownVersion(f"{version!r} is not a version id (like v0001-20260101T000000)")
        return self.root / "versions" / version

    def exists(self, version: str) -> bool:
        try:
            return (self.folder(version) / "version.json").is_file()
        except UnknownVersion:
            return False

    def info(self, version: str) -> VersionInfo:
        if not self.exists(version):
            raise UnknownVersion(f"no model version {version!r} in {self.root}")
        data = json.loads((self.folder(version) / "version.json").read_text(encoding="utf-8"))
        return VersionInfo(version, str(data["created_at"]), version == self.active(), data)

    def versions(self) -> list[VersionInfo]:
        folder = self.root / "versions"
        if not folder.is_dir():
            return []
        ids = sorted(p.name for p in folder.iterdir() if self.exists(p.name))
        return [self.info(v) for v in ids]

    def load(self, version: str) -> Heads:
        if not self.exists(version):
            raise UnknownVersion(f"no model version {version!r} in {self.root}")
        return Heads.load(self.folder(version))

    def _next_id(self) -> str:
        numbers = [int(m.group(1)) for v in self.versions() if (m := VERSION_ID.match(v.id))]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return f"v{max(numbers, default=0) + 1:04d}-{stamp}"

    def add(self, heads: Heads, data: dict[str, Any], *, activate: bool, why: str) -> str:
        """Store a new version (and make it the active one when `activate`)."""
        with self.locked():
            version = self._next_id()
            folder = self.folder(version)
            heads.save(folder)
            record = {**data, "created_at": _now(), "activated": activate, "decision": why}
            _write_json(folder / "version.json", record)
            self._event(version, "activated" if activate else "kept inactive", why, activate)
        return version

    def activate(self, version: str, why: str) -> None:
        with self.locked():
            if not self.exists(version):
                raise UnknownVersion(f"no model version {version!r} in {self.root}")
            self._event(version, "activated", why, True)

    def _event(self, version: str, event: str, why: str, activate: bool) -> None:
        manifest = self.manifest()
        if activate:
            manifest["active"] = version
        manifest.setdefault("events", []).append(
            {"at": _now(), "version": version, "event": event, "why": why}
        )
        _write_json(self.manifest_path, manifest)
