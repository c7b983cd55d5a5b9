"""COMMENTMOD_LOG_FORMAT=json: every line a JSON object, requests named by id,
operation and a hash of the user, and no comment text, key or token in any line."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import httpx

from api.http.auth import Identity, Role, issue_token
from api.observability import logs
from tests.support.servers import clean_env, commentmod, serving

SECRET = "log-secret-" + "x" * 40
ADD = "mutation AddOne($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
UPSERT = "mutation Upsert($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }"


def test_json_lines_name_requests_and_keep_secrets_out(tmp_path: Path) -> None:
    marker = f"marker{uuid.uuid4().hex[:12]}"
    text = f"you stupid idiot {marker}"
    env = clean_env(
        COMMENTMOD_SCORER="linear",
        COMMENTMOD_JWT_SECRET=SECRET,
        COMMENTMOD_LOG_FORMAT="json",
    )
    key = commentmod(tmp_path, env, "apikey", "create", "--name", "logs")
    admin = issue_token(SECRET, Identity("admin-1", "Admin", Role.ADMIN), 3600)
    ann = issue_token(SECRET, Identity("ann-42", "Ann", Role.COMMENTER), 3600)
    with serving(tmp_path, env) as server, httpx.Client(base_url=server.base) as http:
        article = http.post(
            "/graphql",
            json={"query": UPSERT, "variables": {"a": {"slug": "s", "title": "T", "body": "B"}}},
            headers={"Authorization": f"Bearer {admin}"},
        ).json()["data"]["upsertArticle"]["article"]["id"]
        added = http.post(
            "/graphql",
            json={"query": ADD, "variables": {"i": {"articleId": article, "body": text}}},
            headers={"Authorization": f"Bearer {ann}", "X-Request-ID": "trace-me-1"},
        )
        assert added.json()["data"]["addComment"]["comment"]["status"] == "PENDING"
        assert added.headers["x-request-id"] == "trace-me-1"
        analyzed = http.post(
            f"/v1alpha1/comments:analyze?key={key}",
            json={"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}},
        )
        assert analyzed.status_code == 200
        http.get("/graphql", params={"query": "{ __typename }"})
    lines = [line for line in server.output().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert len(access) >= 4
    assert all(
        {"request_id", "status", "duration_ms", "method", "path"} <= r.keys() for r in access
    )
    (mine,) = [r for r in access if r["request_id"] == "trace-me-1"]
    assert mine["status"] == 200 and mine["operation"] == "AddOne"
    assert len(mine["user"]) == 16 and "ann" not in mine["user"]
    assert isinstance(mine["duration_ms"], float)
    # The same user hashes alike; another user differently.
    upsert = [r for r in access if r.get("operation") == "Upsert"]
    assert upsert and upsert[0]["user"] != mine["user"]
    # Neither the comment's text, nor the key, nor a token appears anywhere.
    for secret in (marker, key, ann, admin, SECRET):
        assert [line for line in lines if secret in line] == []


def test_new_request_ids_are_unique_in_a_process_and_across_forks() -> None:
    made = {logs.new_request_id() for _ in range(1000)}
    assert len(made) == 1000
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its first id, then gone
        os.write(write, logs.new_request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    childs = os.read(read, 200).decode()
    os.close(read)
    # Forked with the same counter, it still makes an id no other process makes.
    assert childs and childs not in made and childs != logs.new_request_id()
