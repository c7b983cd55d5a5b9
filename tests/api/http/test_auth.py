"""Tokens: a bad token fails the whole request with UNAUTHENTICATED."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from tests.support.client import Api
from tests.support.scenes import QUERY, claims


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda secret: jwt.encode(claims(exp=int(time.time()) - 3600), secret, "HS256"),
            id="expired",
        ),
        pytest.param(
            lambda secret: jwt.encode(claims(), "another-secret-" + "y" * 32, "HS256"),
            id="other-secret",
        ),
        pytest.param(lambda secret: jwt.encode(claims(), None, "none"), id="alg-none"),
        pytest.param(lambda secret: jwt.encode(claims(), secret, "HS512"), id="other-alg"),
        pytest.param(
            lambda secret: jwt.encode(
                {k: v for k, v in claims().items() if k != "exp"}, secret, "HS256"
            ),
            id="no-exp",
        ),
        pytest.param(
            lambda secret: jwt.encode(claims(role="superuser"), secret, "HS256"), id="unknown-role"
        ),
        pytest.param(lambda secret: "not.a.token", id="garbage"),
    ],
)
async def test_bad_tokens_are_refused_whole(api: Api, make: object) -> None:
    token = make(api.runtime.jwt_secret)  # type: ignore[operator]
    response = await api.post(QUERY, as_=token)
    assert response.status_code == 401
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_forged_role_is_refused(api: Api) -> None:
    token = api.token("ann")
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"commenter", b"admin\x20\x20\x20\x20")
    ).decode()
    response = await api.post(QUERY, as_=f"{header}.{forged_payload}.{signature}")
    assert response.status_code == 401


async def test_wrong_scheme_is_refused(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": QUERY}, headers={"Authorization": "Basic abc"}
    )
    assert response.status_code == 401


async def test_small_clock_skew_is_allowed(api: Api) -> None:
    token = jwt.encode(claims(exp=int(time.time()) - 5), api.runtime.jwt_secret, "HS256")
    data = await api.data(QUERY, as_=token)
    assert data["viewer"] == {"id": "ann", "role": "COMMENTER"}


async def test_no_cross_origin_access_by_default(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": QUERY}, headers={"Origin": "https://news.example.org"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = await api.http.options(
        "/graphql",
        headers={"Origin": "https://news.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_token_naming_an_audience_is_refused_when_none_is_configured(api: Api) -> None:
    token = jwt.encode(claims(aud="someone-else"), api.runtime.jwt_secret, "HS256")
    assert (await api.post(QUERY, as_=token)).status_code == 401


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "ADMIN"},
        {"role": ["admin"]},
        {"name": 12345},
        {"name": {"first": "Ann"}},
        {"sub": 42},
        {"exp": "9999999999"},
        {"exp": 253402300799},  # the year 9999
        {"exp": None, "_ttl": 31 * 86400},  # past the default maximum lifetime
    ],
    ids=[
        "ADMIN",
        "role-list",
        "name-int",
        "name-object",
        "sub-int",
        "exp-string",
        "year-9999",
        "31-days",
    ],
)
async def test_malformed_claims_and_lifelong_tokens_are_refused(
    api: Api, bad: dict[str, Any]
) -> None:
    now = int(time.time())
    ttl = bad.pop("_ttl", 3600)
    payload = {"sub": "ann", "name": "Ann", "role": "commenter", "iat": now, "exp": now + ttl}
    payload.update({k: v for k, v in bad.items() if v is not None})
    token = jwt.encode(payload, api.runtime.jwt_secret, algorithm="HS256")
    response = await api.post("{ viewer { id } }", as_=token)
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_maximum_token_lifetime_is_a_setting(api: Api) -> None:
    now = int(time.time())
    payload = {"sub": "ann", "name": "Ann", "role": "commenter", "iat": now, "exp": now + 7200}
    token = jwt.encode(payload, api.runtime.jwt_secret, algorithm="HS256")
    assert (await api.post("{ viewer { id } }", as_=token)).status_code == 200
    api.runtime.settings.jwt_max_lifetime = 3600
    assert (await api.post("{ viewer { id } }", as_=token)).status_code == 401
