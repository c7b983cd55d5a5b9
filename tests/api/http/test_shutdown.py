"""Graceful shutdown: SIGTERM during a burst of addComment loses no acknowledged comment."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from api.http.auth import Identity, Role, issue_token
from models.database import Database
from models.tables import Comment
from tests.support.servers import start_server

SECRET = "shutdown-test-secret-" + "z" * 48
ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"


def token(user: str, role: Role = Role.COMMENTER) -> str:
    return issue_token(SECRET, Identity(user_id=user, name=user, role=role), 600)


async def test_sigterm_during_a_burst_keeps_every_acknowledged_comment(
    tmp_path: Path, database_url: str
) -> None:
    server = start_server(
        tmp_path,
        {
            "COMMENTMOD_DATABASE_URL": database_url,
            "COMMENTMOD_JWT_SECRET": SECRET,
            # The test is about shutdown, not scoring: the fastest scorer keeps it short.
            "COMMENTMOD_SCORER": "linear",
        },
    )
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            created = await http.post(
                "/graphql",
                json={
                    "query": "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
                    "variables": {"a": {"slug": "burst", "title": "Burst", "body": "B"}},
                },
                headers={"Authorization": f"Bearer {token('root', Role.ADMIN)}"},
            )
            article_id = created.json()["data"]["upsertArticle"]["article"]["id"]

            async def post(i: int) -> Any:
                response = await http.post(
                    "/graphql",
                    json={
                        "query": ADD,
                        "variables": {
                            "i": {"articleId": article_id, "body": f"Comment {i} on the burst."}
                        },
                    },
                    headers={"Authorization": f"Bearer {token(f'user{i}')}"},
                )
                return response.json()

            async def terminate_soon() -> None:
                await asyncio.sleep(0.3)
                server.process.send_signal(signal.SIGTERM)

            results = await asyncio.gather(
                terminate_soon(), *(post(i) for i in range(60)), return_exceptions=True
            )
        started = time.monotonic()
        # uvicorn re-raises the signal once it has shut down cleanly.
        assert server.process.wait(timeout=60) in (0, -signal.SIGTERM), server.output()
        assert "Application shutdown complete" in server.output()
        assert time.monotonic() - started < 35
    finally:
        server.stop()

    acknowledged = {
        r["data"]["addComment"]["comment"]["id"]
        for r in results[1:]
        if isinstance(r, dict) and r.get("data")
    }
    refused = [r for r in results[1:] if not isinstance(r, dict)]
    assert acknowledged, "the burst should have been partly served before SIGTERM"
    assert refused or len(acknowledged) == 60

    from api.graphql.ids import decode_id

    ids = {decode_id("Comment", gid) for gid in acknowledged}
    db = Database(database_url)
    try:
        async with db.read() as session:
            stored = set(
                (await session.exec(select(Comment.id).where(col(Comment.id).in_(ids)))).all()
            )
    finally:
        await db.dispose()
    assert stored == ids
