"""The Perspective routes under /v1alpha1, and the access-log filter that hides API keys."""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.perspective.endpoint import PerspectiveEndpoint
from api.perspective.protocol import (
    ProtocolError,
)
from api.runtime import Runtime

_KEY_PARAM = re.compile(r"([?&]key=)[^&\s]*")


class RedactKeys(logging.Filter):
    """Perspective clients put the key in the query string; access logs print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _KEY_PARAM.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def perspective_routes(runtime: Runtime) -> list[Route]:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeys) for f in access.filters):
        access.addFilter(RedactKeys())
    endpoint = PerspectiveEndpoint(runtime)

    async def unknown(request: Request) -> JSONResponse:
        # Anything else under the prefix still answers in the shape clients parse.
        method = f"{request.method} {request.url.path}"
        return ProtocolError(404, "NOT_FOUND", f"Method not found: {method}").response()

    return [
        Route("/v1alpha1/comments:analyze", endpoint.analyze, methods=["POST"]),
        Route("/v1alpha1/comments:suggestscore", endpoint.suggest, methods=["POST"]),
        Route("/v1alpha1/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
