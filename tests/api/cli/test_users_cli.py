"""`commentmod users export|erase`: the same document and erasure as over GraphQL, from
the command line."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner, Result

from api.cli.main import cli
from tests.api.graphql.test_user_data import ERIN, FIRST, HELD, NAME, _scan_tables, story
from tests.support.client import Api


async def test_users_export_and_erase(api: Api) -> None:
    await story(api)
    env = {"COMMENTMOD_DATABASE_URL": api.runtime.settings.database_url}
    runner = CliRunner()

    async def invoke(*args: str, input: str | None = None) -> Result:
        # The commands run their own event loop: off this test's loop, in a thread.
        return await asyncio.to_thread(runner.invoke, cli, list(args), env=env, input=input)

    exported = await invoke("users", "export", ERIN)
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.output)
    assert document["user"]["name"] == NAME
    assert {c["body"] for c in document["tables"]["comments"]} == {FIRST, HELD}

    missing = await invoke("users", "export", "nobody")
    assert missing.exit_code != 0 and "NOT_FOUND" in missing.output
    refused = await invoke("users", "erase", ERIN, input="n\n")
    assert refused.exit_code != 0
    assert await _scan_tables(api)  # nothing erased yet

    erased = await invoke("users", "erase", ERIN, "--yes")
    assert erased.exit_code == 0, erased.output
    assert "erased-" in erased.output and "2 comments" in erased.output
    assert await _scan_tables(api) == []
