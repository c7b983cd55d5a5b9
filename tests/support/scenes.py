"""Small helpers that several test modules share: tokens' claims, a broken scorer,
the rescore command, a comment's reason codes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence

from tests.support.client import Api

# What a signed-in viewer sees: enough to tell a valid token from a refused one.
QUERY = "{ viewer { id role } articles { totalCount } }"


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {
        "sub": "ann",
        "name": "Ann",
        "role": "commenter",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }


class BrokenScorer:
    name, version, labels, languages = "broken", "1", ("toxicity",), ("en",)

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise RuntimeError("model file is corrupt")


def rescore(api: Api, *args: str, scorer: str = "linear") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COMMENTMOD_DATABASE_URL": api.runtime.settings.database_url,
        "COMMENTMOD_SCORER": scorer,
        "COMMENTMOD_SCORER_KEY": "test-key",  # for a remote scorer
    }
    return subprocess.run(
        [sys.executable, "-c", "from api.cli.main import main; main()", "rescore", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


AUTHOR_REASONS = (
    "query($id: ID!) { comment(id: $id) { status moderation { reasons { code detail } } } }"
)


async def reasons(api: Api, comment_id: str) -> list[str]:
    data = await api.data(AUTHOR_REASONS, {"id": comment_id}, as_=api.token("mo", "moderator"))
    return [r["code"] for r in data["comment"]["moderation"]["reasons"]]
