"""The landing page at `/` and the URLs `commentmod serve` prints at startup."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.servers import Server, start_server

SECRET = "landing-test-secret-" + "x" * 48


def printed_urls(server: Server) -> dict[str, str]:
    """What the startup log names, each URL with its line's label."""
    found = re.findall(r"commentmod: (\S.*?)\s+(http://\S+)$", server.output(), re.MULTILINE)
    return {url: label.strip() for label, url in found}


def test_landing_page_and_startup_urls_in_development(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, {"COMMENTMOD_SCORER": "linear", "COMMENTMOD_ENV": "development"}
    )
    try:
        urls = printed_urls(server)
        base = server.base
        assert set(urls) == {f"{base}/", f"{base}/console", f"{base}/graphql", f"{base}/healthz"}
        # Every printed URL answers.
        for url in urls:
            response = httpx.get(url, headers={"Accept": "text/html"})
            assert response.status_code == 200, url
        page = httpx.get(f"{base}/")
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "<script>" not in page.text
        assert page.headers["cache-control"] == "no-store"
        assert 'href="/console"' in page.text and 'href="/graphql"' in page.text
        script = httpx.get(f"{base}/static/index.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
    finally:
        server.stop()


def test_production_leaves_graphiql_out(tmp_path: Path) -> None:
    # Production is the default: COMMENTMOD_ENV is not set here.
    env = {"COMMENTMOD_SCORER": "linear", "COMMENTMOD_JWT_SECRET": SECRET}
    server = start_server(tmp_path, env)
    try:
        assert "mode: production" in server.output()
        assert "mode: DEVELOPMENT" not in server.output()
        ide = httpx.get(f"{server.base}/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in ide.text.lower()
        schema = httpx.post(
            f"{server.base}/graphql", json={"query": "{ __schema { types { name } } }"}
        )
        assert schema.status_code < 500
        assert schema.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        urls = printed_urls(server)
        assert set(urls) == {f"{server.base}/", f"{server.base}/console", f"{server.base}/healthz"}
        page = httpx.get(f"{server.base}/")
        assert page.status_code == 200
        assert 'href="/console"' in page.text
        assert "/graphql" not in page.text and "graphiql" not in page.text.lower()
    finally:
        server.stop()


def test_wildcard_addresses_print_an_address_a_browser_opens() -> None:
    from api.web import page_urls

    def first(host: str) -> str:
        return page_urls(host, 8000, production=False)[0][1]

    assert first("0.0.0.0") == "http://127.0.0.1:8000/"
    assert first("::") == "http://[::1]:8000/"
    assert first("::1") == "http://[::1]:8000/"
    assert first("example.org") == "http://example.org:8000/"
