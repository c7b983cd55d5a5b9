"""Queue claims: a moderator takes a few comments for a few minutes, so that a team
working one queue doesn't review the same comment twice. Claims expire by themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.http.auth import Identity
from api.http.errors import BadUserInput
from api.runtime import Runtime
from api.services import audit
from api.services.users import remember
from models.queries import comments
from models.tables import Comment, utcnow

MAX_CLAIM = 100


async def claim_comments(
    runtime: Runtime, moderator: Identity, queue: str, count: int, article_id: int | None
) -> tuple[list[Comment], datetime]:
    if not 1 <= count <= MAX_CLAIM:
        raise BadUserInput(f"count must be between 1 and {MAX_CLAIM}", field="count")
    until = utcnow() + timedelta(seconds=runtime.settings.claim_seconds)
    conditions = comments.queue_filter(queue, runtime.settings.report_threshold, article_id)
    async with runtime.db.write() as session:
        await remember(session, moderator)
        claimed = await comments.claim(session, conditions, moderator.user_id, count, until)
        if claimed:
            await audit.record(
                session,
                actor_id=moderator.user_id,
                action="queue.claim",
                target=f"queue:{queue}",
                details={"comments": [c.id for c in claimed], "until": until.isoformat()},
            )
    return claimed, until
