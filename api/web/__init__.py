"""The web wing: the moderator console and the reader page, static files that are clients
of /graphql only, and the routes that serve them. It imports nothing from `api/`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

WEB = Path(__file__).parent

# Scripts and styles come from this server's files only: no inline script or style,
# no handler attributes, no eval. User text is only ever set as text (textContent),
# and this policy is the second line should a bug ever let markup through.
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    # The reader page may carry ?token= (demo sign-in): never send it on as a referrer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@cache
def _page(name: str) -> str:
    return (WEB / name).read_text(encoding="utf-8")


# What a page shows in development only (links to GraphiQL), between these markers.
DEVELOPMENT_ONLY = re.compile(r"\s*<!-- development -->.*?<!-- /development -->", re.DOTALL)


def _serve(name: str, *, production: bool = False) -> Callable[[Request], Awaitable[Response]]:
    page = _page(name)
    page = DEVELOPMENT_ONLY.sub("", page) if production else page

    async def endpoint(_request: Request) -> Response:
        return HTMLResponse(page, headers=HEADERS)

    return endpoint


class _Static(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-content-type-options", b"nosniff"),
                ]
            await send(message)

        await super().__call__(scope, receive, with_headers)


def web_routes(*, production: bool = False) -> list[BaseRoute]:
    return [
        # The landing page: links to the reader pages, the console and (development) GraphiQL.
        Route("/", _serve("index.html", production=production), methods=["GET"]),
        Route("/console", _serve("console.html"), methods=["GET"]),
        Route("/articles/{slug}", _serve("reader.html"), methods=["GET"]),
        Mount("/static", app=_Static(directory=WEB / "static"), name="static"),
    ]


def page_urls(host: str, port: int, *, production: bool) -> list[tuple[str, str]]:
    """(name, URL) of the pages a newcomer opens first, for the startup log."""
    # A wildcard address listens on loopback too; a browser cannot open 0.0.0.0 everywhere.
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    base = f"http://{shown}:{port}"
    urls = [("landing page", f"{base}/"), ("console", f"{base}/console")]
    if not production:
        urls.append(("GraphiQL", f"{base}/graphql"))
    urls.append(("health", f"{base}/healthz"))
    return urls
