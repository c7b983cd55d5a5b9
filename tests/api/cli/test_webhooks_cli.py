"""`commentmod webhooks ...` and a real `commentmod serve`: events written while the
endpoint is down survive a restart of the server and arrive once it is up."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from api.cli.main import cli
from tests.support.constants import CLEAN
from tests.support.receiver import Receiver
from tests.support.servers import clean_env, serving

SECRET = "cli-webhook-secret-0123456789"


def commentmod(_cwd: Path, env: dict[str, str], *args: str) -> str:
    """The command in process (a subprocess costs seconds of imports)."""
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip()


ADD = """mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"""


def test_events_survive_a_restart_and_arrive_once(tmp_path: Path, database_url: str) -> None:
    env = clean_env(
        COMMENTMOD_DATABASE_URL=database_url,
        COMMENTMOD_WEBHOOK_POLL_INTERVAL="0.1",
        COMMENTMOD_WEBHOOK_BACKOFF_BASE="0.1",
        COMMENTMOD_WEBHOOK_BACKOFF_MAX="0.3",
        COMMENTMOD_SCORER="linear",
        # The commands run in this process (another directory than the server's): one
        # secret for both, whatever the database.
        COMMENTMOD_JWT_SECRET="cli-webhooks-" + "s" * 40,
    )
    receiver = Receiver(SECRET)  # not listening yet: the endpoint is down
    added = commentmod(
        tmp_path,
        env,
        "webhooks",
        "add",
        receiver.url,
        "--kind",
        "comment_created",
        "--secret",
        SECRET,
        "--description",
        "analytics",
    )
    endpoint = dict(line.split("\t") for line in added.splitlines())
    assert endpoint["secret"] == SECRET
    # One more, generated secret, disabled: it must receive nothing.
    other = commentmod(tmp_path, env, "webhooks", "add", receiver.url, "--kind", "COMMENT_CREATED")
    other_id = dict(line.split("\t") for line in other.splitlines())["id"]
    assert commentmod(tmp_path, env, "webhooks", "disable", other_id).startswith("disabled")

    token = commentmod(tmp_path, env, "token", "--user", "ann", "--name", "Ann")
    admin = commentmod(
        tmp_path, env, "token", "--user", "root", "--name", "Root", "--role", "admin"
    )
    with serving(tmp_path, env) as server:

        def gql(query: str, variables: dict[str, object], as_: str) -> dict[str, object]:
            response = httpx.post(
                f"{server.base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {as_}"},
            )
            body: dict[str, object] = response.json()
            assert "errors" not in body, body
            return body

        article = gql(
            "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
            {"a": {"slug": "s", "title": "T", "body": "B"}},
            admin,
        )["data"]["upsertArticle"]["article"]["id"]  # type: ignore[index]
        for n in range(3):
            gql(ADD, {"i": {"articleId": article, "body": f"{CLEAN} {n}"}}, token)
    # The server is gone with three events undelivered.
    listing = commentmod(tmp_path, env, "webhooks", "list").splitlines()
    assert listing[0].split("\t") == [
        "id",
        "enabled",
        "url",
        "kinds",
        "pending",
        "delivered",
        "failed",
    ]
    rows = {line.split("\t")[0]: line.split("\t") for line in listing[1:]}
    assert rows[endpoint["id"]][1] == "yes" and rows[endpoint["id"]][4] == "3"
    assert rows[other_id][1] == "no" and rows[other_id][4] == "0"

    receiver.start()
    try:
        with serving(tmp_path, env):
            receiver.wait_for(3)
        assert receiver.bad == [] and set(receiver.ids.values()) == {1}
        assert len(receiver.ids) == 3
    finally:
        receiver.stop()
    rows = {
        line.split("\t")[0]: line.split("\t")
        for line in commentmod(tmp_path, env, "webhooks", "list").splitlines()[1:]
    }
    assert rows[endpoint["id"]][4:] == ["0", "3", "0"]
