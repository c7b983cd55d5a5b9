"""The yardstick of bench/readpath.py: a plain Starlette endpoint that answers GET
/graphql with fixed bytes from memory (the file named by READPATH_BODY)."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def app() -> Starlette:
    body = Path(os.environ["READPATH_BODY"]).read_bytes()

    async def thread(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/graphql", thread, methods=["GET"])])
