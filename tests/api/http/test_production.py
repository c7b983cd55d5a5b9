"""COMMENTMOD_ENV=production: no introspection, no GraphiQL, no field suggestions."""

from __future__ import annotations

import pytest

from api.http.config import Config
from tests.support.client import Api, make_settings


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(database_url, env="production")


async def test_production_mode_hides_the_schema(api: Api) -> None:
    error = await api.error("{ __schema { types { name } } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "introspection" in error["message"].lower()
    error = await api.error("{ articlez { totalCount } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Did you mean" not in error["message"] and "articles" not in error["message"]
    ide = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in ide.text.lower()
    # Mutations still refused over GET; queries allowed.
    response = await api.http.get(
        "/graphql",
        params={
            "query": 'mutation { banUser(input: {userId: "x", reason: "y"}) { rejectedComments } }'
        },
    )
    assert response.status_code == 400
    assert (await api.http.get("/graphql", params={"query": "{ viewer { id } }"})).json() == {
        "data": {"viewer": None}
    }
