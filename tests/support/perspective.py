"""The Perspective-protocol endpoint as its clients call it: paths, keys, requests."""

from __future__ import annotations

import httpx
from click.testing import CliRunner

from api.cli.main import cli
from tests.support.client import Api

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


def make_key(database_url: str, name: str, *extra: str) -> str:
    """A new API key, made through the CLI as an operator would."""
    result = CliRunner().invoke(
        cli, ["apikey", "create", "--name", name, "--database-url", database_url, *extra]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


async def analyze(api: Api, body: object, key: str | None) -> httpx.Response:
    params = {"key": key} if key is not None else {}
    if isinstance(body, bytes):
        return await api.http.post(ANALYZE, content=body, params=params)
    return await api.http.post(ANALYZE, json=body, params=params)
