"""Smoke test: a real `commentmod serve` process on the embedded defaults."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

COMMENTMOD = shutil.which("commentmod", path=str(Path(sys.executable).parent)) or "commentmod"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [COMMENTMOD, "serve", "--port", str(port), "--demo"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError((tmp_path / "serve.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not become healthy")
        yield base, {**env, "PWD": str(tmp_path)}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_serve_answers_graphql_with_the_bundled_scorer(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = server
    health = httpx.get(f"{base}/healthz").json()
    assert health["status"] == "ok" and health["database"] == "sqlite"
    assert health["scorer"]["name"] == "linear"
    assert (tmp_path / "var" / "commentmod.db").exists()

    token = subprocess.run(
        [COMMENTMOD, "token", "--user", "smoke", "--name", "Smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    def gql(query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body: dict[str, object] = response.json()
        assert "errors" not in body, body
        return body

    articles = gql("{ articles { totalCount edges { node { id slug } } } }")["data"]
    assert articles["articles"]["totalCount"] == 3  # type: ignore[index]
    article_id = articles["articles"]["edges"][0]["node"]["id"]  # type: ignore[index]
    added = gql(
        "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }",
        {"i": {"articleId": article_id, "body": "Good to see it open again."}},
    )["data"]
    assert added["addComment"]["comment"]["status"] == "APPROVED"  # type: ignore[index]
    ide = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
