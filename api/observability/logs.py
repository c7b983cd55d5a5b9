"""Log lines: plain text for a terminal, JSON lines for a log pipeline
(COMMENTMOD_LOG_FORMAT=json), uvicorn's access log included.

Every line written while a request is answered carries that request's id, its
GraphQL operation name (once known), a hash of the signed-in user's id (keyed with
the server's secret: it joins one user's lines without naming them) and, on the access
line, its status and duration. What a line never carries: a comment's text (no code
logs one), an API key (the access log's query string is redacted by
api/perspective/routes.py's filter) or a token (headers are never logged).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import itertools
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any, Final

from starlette.types import Scope

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The request being answered in this task (its ASGI scope's state), set by the
# request-context middleware (api/observability/middleware.py).
current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "commentmod_request", default=None
)
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _new_prefix() -> None:
    global _prefix
    _prefix = os.urandom(8).hex()


# New request ids: 64 random bits drawn once per process (again in a forked child) and a
# counter, so that ids stay unique across processes and restarts while a request costs
# no urandom call (uuid4 is a system call and an object, about 10% of a cached read).
_prefix = ""
_new_prefix()
os.register_at_fork(after_in_child=_new_prefix)
_counter = itertools.count(1)


def new_request_id() -> str:
    return f"{_prefix}{next(_counter):x}"


def request_id(scope: Scope) -> str:
    """The id of the request: the client's X-Request-ID (64 characters at most) or a new one."""
    state = scope.get("state") or {}
    found = state.get("request_id")
    if isinstance(found, str):
        return found
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id" and value:
            return bytes(value).decode("latin-1")[:64]
    return new_request_id()


def user_key(secret: str) -> bytes:
    """The key of the user hashes in log lines, from the server's secret."""
    return hashlib.sha256(b"commentmod-log-user\n" + secret.encode()).digest()


def user_hash(key: bytes, user_id: str) -> str:
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()[:16]


class RequestFields(logging.Filter):
    """Adds the current request's fields to every record (on the handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        state = current.get()
        if state is not None:
            record.request_id = state.get("request_id")
            operation = state.get("operation")
            if operation is not None:
                record.operation = operation
            identity = state.get("identity")
            key = state.get("user_key")
            if identity is not None and key is not None:
                record.user = user_hash(key, identity.user_id)
            started = state.get("started")
            if started is not None and record.name == "uvicorn.access":
                record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn's access line: (client, method, path, http version, status).
            client, method, path, version, status = (list(record.args) + [None] * 5)[:5]
            line.update(
                message="request",
                client=client,
                method=method,
                path=path,
                http=version,
                status=status,
            )
        else:
            line["message"] = record.getMessage()
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_") and name not in line:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(log_format: str, level: str) -> None:
    """Set up the root logger. With "json", uvicorn must be given log_config=None so that
    its own loggers (the access log too) write through this handler."""
    if log_format != "json":
        logging.basicConfig(level=level.upper(), format=TEXT_FORMAT, stream=sys.stderr)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestFields())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
