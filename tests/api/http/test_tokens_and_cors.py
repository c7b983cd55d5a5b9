"""Issuer and audience checks (when configured), and CORS (closed unless configured)."""

from __future__ import annotations

import jwt
import pytest

from api.http.auth import Identity, Role, issue_token
from api.http.config import Config
from tests.support.client import Api, make_settings
from tests.support.scenes import QUERY, claims


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(
        database_url,
        jwt_issuer="https://id.example.org",
        jwt_audience="comments",
        cors_origins="https://news.example.org, https://app.example.org",
    )


async def test_issuer_and_audience_must_match_when_configured(api: Api) -> None:
    secret = api.runtime.jwt_secret
    good = issue_token(
        secret,
        Identity("ann", "Ann", Role.COMMENTER),
        600,
        issuer="https://id.example.org",
        audience="comments",
    )
    assert (await api.data(QUERY, as_=good))["viewer"]["id"] == "ann"
    for bad in [
        claims(),  # neither
        claims(iss="https://id.example.org"),  # no audience
        claims(iss="https://evil.example.org", aud="comments"),
        claims(iss="https://id.example.org", aud="other-service"),
    ]:
        response = await api.post(QUERY, as_=jwt.encode(bad, secret, "HS256"))
        assert response.status_code == 401, bad
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_cors_allows_only_configured_origins(api: Api) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    ok = await api.http.options(
        "/graphql", headers={"Origin": "https://news.example.org", **preflight}
    )
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://news.example.org"
    refused = await api.http.options(
        "/graphql", headers={"Origin": "https://evil.example.org", **preflight}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = await api.http.post(
        "/graphql", json={"query": QUERY}, headers={"Origin": "https://app.example.org"}
    )
    assert simple.headers["access-control-allow-origin"] == "https://app.example.org"
