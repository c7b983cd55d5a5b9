"""GraphQL over HTTP: application/graphql-response+json for clients that ask for it
(request errors are 400 without `data`), application/json unchanged for the others,
and graphql-http's own audit of a real server: no error, no warning."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.client import Api
from tests.support.servers import clean_env, serving

AUDIT = Path(__file__).resolve().parents[2] / "graphql_http_audit"
NEW = "application/graphql-response+json"
ADD = 'mutation { addComment(input: {articleId: "QXJ0aWNsZTo5OQ", body: "hi"}) { comment { id } } }'

CASES: list[tuple[str, dict[str, Any]]] = [
    ("parse", {"query": "{"}),
    ("validation", {"query": "{ noSuchField }"}),
    ("coercion", {"query": "query($n: Int!) { __typename }", "variables": {"n": "x"}}),
]


async def post(api: Api, body: dict[str, Any], accept: str | None) -> Any:
    headers = {"Accept": accept} if accept is not None else {}
    return await api.http.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(("kind", "body"), CASES, ids=[c[0] for c in CASES])
async def test_request_errors_by_media_type(api: Api, kind: str, body: dict[str, Any]) -> None:
    new = await post(api, body, NEW)
    assert new.status_code == 400, kind
    assert new.headers["content-type"].startswith(NEW)
    assert "data" not in new.json() and new.json()["errors"]
    for accept in (None, "application/json", "*/*", f"application/json, {NEW};q=0.5"):
        old = await post(api, body, accept)
        assert old.status_code == 200, (kind, accept)
        assert old.headers["content-type"].startswith("application/json")
        assert old.json()["data"] is None and old.json()["errors"]


async def test_results_and_execution_errors_keep_data(api: Api) -> None:
    await api.create_article()
    read = "{ articles(first: 1) { edges { node { slug } } } }"
    for method in ("GET", "POST"):
        if method == "GET":
            answer = await api.http.get("/graphql", params={"query": read}, headers={"Accept": NEW})
        else:
            answer = await post(api, {"query": read}, f"{NEW}, application/json;q=0.9")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(NEW)
        assert "Accept" in answer.headers["vary"]
        assert answer.json()["data"]["articles"]["edges"]
    # An error while executing (here: nobody signed in) is a result: 200, with data.
    failed = await post(api, {"query": ADD}, NEW)
    assert failed.status_code == 200
    assert "data" in failed.json()
    assert failed.json()["errors"][0]["path"] == ["addComment"]


def test_graphql_http_audit_passes_without_warnings(tmp_path: Path) -> None:
    if not (AUDIT / "node_modules" / "graphql-http").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed for this test (node 20 and npm)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AUDIT, check=True, timeout=300)
    # The audit's variables checks ask `__type(name: $name)`: introspection, which
    # production (the default) refuses on purpose. The protocol is the same in both.
    env = clean_env(COMMENTMOD_SCORER="linear", COMMENTMOD_ENV="development")
    with serving(tmp_path, env) as server:
        result = subprocess.run(
            ["node", "audit.js"],
            cwd=AUDIT,
            env={**clean_env(), "AUDIT_URL": f"{server.base}/graphql"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    results = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(results) > 50
    bad = [r for r in results if r["status"] in {"error", "warn"}]
    assert bad == []
