"""The Perspective routes under /v1alpha1, the discovery document at /$discovery/rest,
and the access-log filter that hides API keys."""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.http.origin import public_origin
from api.perspective.discovery import NAME, VERSION, discovery_document
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

    proxies = runtime.settings.proxy_networks()

    async def discovery(request: Request) -> JSONResponse:
        # Google's discovery service answers ?version=v1alpha1 (and the REST path form).
        version = request.path_params.get("version") or request.query_params.get("version")
        api = request.path_params.get("api", NAME)
        if api != NAME or version != VERSION:
            return ProtocolError(
                404, "NOT_FOUND", f"Requested entity was not found: {api} {version}"
            ).response()
        peer = request.client.host if request.client else None
        origin = public_origin(
            request.url.scheme, request.headers.get("host", ""), peer, request.headers, proxies
        )
        return JSONResponse(discovery_document(origin))

    return [
        Route("/$discovery/rest", discovery, methods=["GET"]),
        Route("/discovery/v1/apis/{api}/{version}/rest", discovery, methods=["GET"]),
        Route("/v1alpha1/comments:analyze", endpoint.analyze, methods=["POST"]),
        Route("/v1alpha1/comments:suggestscore", endpoint.suggest, methods=["POST"]),
        Route("/v1alpha1/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
