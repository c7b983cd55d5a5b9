"""Read entry points of issue 19: site rules, statements of reasons, the APPEALS queue
and the notices of illegal content."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlmodel import col
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.graphql.types.compliance import (
    AppealNode,
    AppealStatus,
    NoticeNode,
    NoticeStatus,
    StatementNode,
)
from api.graphql.types.connection import Connection, build_connection, page_args, page_size
from api.graphql.types.policy import SiteRule
from api.services import transparency
from api.services.reasons import rules_of
from models.queries import compliance
from models.queries.settings import load_settings
from models.tables import Appeal, IllegalContentNotice


@strawberry.type
class ComplianceQuery:
    @strawberry.field(
        description="Admins: the transparency report for [from, to): notices by ground, "
        "actions by kind and ground, automation by model version, notice handling times, "
        "appeals, and the share of automated holds moderators reversed (docs/compliance.md)."
    )
    async def transparency_report(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> JSON:
        data: Any = await transparency.report(info.context.runtime.db, from_, to)
        return JSON(data)

    @strawberry.field(description="The site's rules: the grounds decisions cite.")
    async def site_rules(self, info: Info) -> list[SiteRule]:
        async with info.context.runtime.db.read() as session:
            stored = (await load_settings(session)).rules
        return [SiteRule(code=c, title=t) for c, t in rules_of(stored).items()]

    @strawberry.field(
        description="The statements of reasons of decisions restricting the viewer's "
        "comments or account, newest first."
    )
    async def my_statements_of_reasons(
        self, info: Info, first: int | None = 20
    ) -> list[StatementNode]:
        me = info.context.signed_in()
        async with info.context.runtime.db.read() as session:
            rows = await compliance.of_user(session, me.user_id, page_size(first))
        return [StatementNode(row=r) for r in rows]

    @strawberry.field(description="Moderators: the APPEALS queue, oldest first.")
    async def appeals(
        self,
        info: Info,
        status: AppealStatus | None = AppealStatus.PENDING,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[AppealNode]:
        order = compliance.APPEALS_OLDEST_FIRST
        size, key = page_args("appeals", order, first, after)
        where = [col(Appeal.status) == status.value] if status is not None else []
        db = info.context.runtime.db
        async with db.read() as session:
            page = await compliance.page(session, Appeal, where, order, size, key)

        async def count() -> int:
            async with db.read() as session:
                return await compliance.count(session, Appeal, where)

        def wrap(row: Appeal) -> AppealNode:
            return AppealNode(row=row)

        return build_connection(page, "appeals", order, wrap, count)

    @strawberry.field(
        description="Moderators: notices of illegal content, oldest first; by default "
        "those still open (RECEIVED and UNDER_REVIEW)."
    )
    async def illegal_content_notices(
        self,
        info: Info,
        status: NoticeStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[NoticeNode]:
        order = compliance.NOTICES_OLDEST_FIRST
        size, key = page_args("notices", order, first, after)
        statuses = [status.value] if status is not None else list(compliance.OPEN_NOTICE)
        where = [col(IllegalContentNotice.status).in_(statuses)]
        db = info.context.runtime.db
        async with db.read() as session:
            page = await compliance.page(session, IllegalContentNotice, where, order, size, key)

        async def count() -> int:
            async with db.read() as session:
                return await compliance.count(session, IllegalContentNotice, where)

        def wrap(row: IllegalContentNotice) -> NoticeNode:
            return NoticeNode(row=row)

        return build_connection(page, "notices", order, wrap, count)
