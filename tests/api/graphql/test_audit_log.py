"""The audit log: every moderator and admin action appended, queryable by admins only,
and never changed afterwards."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.support.client import Api

ROOT = Path(__file__).resolve().parents[3]
AUDIT = """query($f: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { actorId action target reason details createdAt } } } }"""
REJECT = (
    """mutation($i: ModerateCommentInput!) { rejectComment(input: $i) { comment { status } } }"""
)
APPROVE = (
    """mutation($i: ModerateCommentInput!) { approveComment(input: $i) { comment { status } } }"""
)
SETTINGS = """mutation($i: ModerationSettingsInput!) {
  updateModerationSettings(input: $i) { settings { version } } }"""
BAN = """mutation($i: BanUserInput!) { banUser(input: $i) { rejectedComments } }"""
ARTICLE_MOD = """mutation($i: ArticleModerationInput!) {
  updateArticleModeration(input: $i) { article { id } } }"""
CLOSE = """mutation($i: SetCommentsOpenInput!) { setCommentsOpen(input: $i) { article { id } } }"""
CLAIM = """mutation($i: ClaimCommentsInput!) { claimComments(input: $i) { comments { id } } }"""


async def entries(api: Api, **filter: Any) -> list[dict[str, Any]]:
    data = await api.data(AUDIT, {"f": filter, "first": 100}, as_=api.token("root", "admin"))
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def test_actions_are_recorded_with_who_what_and_why(api: Api) -> None:
    mod, admin = api.token("mo", "moderator"), api.token("ad", "admin")
    article = await api.create_article()
    one = await api.comment(article["id"], "A fair point.", as_=api.token("bob"))
    two = await api.comment(article["id"], "Another point.", as_=api.token("troll"))

    await api.data(REJECT, {"i": {"commentId": one["id"], "reason": "off topic"}}, as_=mod)
    await api.data(APPROVE, {"i": {"commentId": one["id"]}}, as_=mod)
    await api.data(SETTINGS, {"i": {"bannedWords": ["spam", "scam"]}}, as_=admin)
    await api.data(SETTINGS, {"i": {"bannedWords": ["spam"], "premoderateLinks": True}}, as_=admin)
    await api.data(
        BAN, {"i": {"userId": "troll", "reason": "spam", "rejectExistingComments": True}}, as_=mod
    )
    await api.data(
        ARTICLE_MOD, {"i": {"articleId": article["id"], "premoderateAll": True}}, as_=mod
    )
    await api.data(CLOSE, {"i": {"articleId": article["id"], "open": False}}, as_=mod)

    found = await entries(api)
    # Newest first.
    assert [(e["actorId"], e["action"]) for e in found] == [
        ("mo", "article.close_comments"),
        ("mo", "article.moderation"),
        ("mo", "comment.reject"),
        ("mo", "user.ban"),
        ("ad", "settings.update"),
        ("ad", "settings.update"),
        ("mo", "comment.approve"),
        ("mo", "comment.reject"),
        ("admin", "article.create"),
    ]
    by_action = {(e["action"], e["target"]): e for e in reversed(found)}
    first_reject = by_action[("comment.reject", f"comment:{_pk(one['id'])}")]
    assert first_reject["reason"] == "off topic"
    assert first_reject["details"]["from"] == "APPROVED"
    assert first_reject["details"]["to"] == "REJECTED"
    assert first_reject["details"]["ground"] == "guidelines"
    assert by_action[("comment.reject", f"comment:{_pk(two['id'])}")]["details"]["via"] == "ban"
    assert by_action[("user.ban", "user:troll")]["reason"] == "spam"
    settings = next(e for e in found if e["action"] == "settings.update")
    assert settings["details"]["changes"] == {
        "banned_words": {"added": [], "removed": ["scam"]},
        "premoderate_links": {"from": False, "to": True},
    }

    # Filters: actor, action, target prefix, time range, and pages.
    assert {e["actorId"] for e in await entries(api, actorId="ad")} == {"ad"}
    assert len(await entries(api, action="comment.reject")) == 2
    assert len(await entries(api, targetPrefix="user:")) == 1
    assert await entries(api, targetPrefix="user%") == []
    newest = found[0]["createdAt"]
    assert (
        await entries(api, **{"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"}) == []
    )
    assert len(await entries(api, **{"from": newest})) >= 1
    page = (await api.data(AUDIT, {"first": 4}, as_=admin))["auditLog"]
    assert page["totalCount"] == len(found) and page["pageInfo"]["hasNextPage"]
    rest = await api.data(AUDIT, {"first": 100, "after": page["pageInfo"]["endCursor"]}, as_=admin)
    assert len(rest["auditLog"]["edges"]) == len(found) - 4


async def test_claims_are_recorded(api: Api) -> None:
    article = await api.create_article()
    await api.data(SETTINGS, {"i": {"premoderateAll": True}}, as_=api.token("ad", "admin"))
    held = await api.comment(article["id"], "Held for review.", as_=api.token("bob"))
    await api.data(CLAIM, {"i": {"count": 5}}, as_=api.token("mo", "moderator"))
    (claim,) = await entries(api, action="queue.claim")
    assert claim["target"] == "queue:PENDING"
    assert claim["details"]["comments"] == [_pk(held["id"])]


async def test_only_admins_read_the_log(api: Api) -> None:
    error = await api.error(AUDIT, as_=api.token("mo", "moderator"))
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await api.error(AUDIT)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_refused_action_leaves_no_entry(api: Api) -> None:
    mod = api.token("mo", "moderator")
    await api.error(BAN, {"i": {"userId": "nobody", "reason": "spam"}}, as_=mod)
    await api.error(
        SETTINGS,
        {"i": {"thresholds": [{"label": "nope", "hold": 0.5}]}},
        as_=api.token("ad", "admin"),
    )
    assert await entries(api) == []


def _pk(global_id: str) -> int:
    from api.graphql.ids import decode_id

    pk = decode_id("Comment", global_id)
    assert pk is not None
    return pk


def test_no_code_updates_or_deletes_audit_entries() -> None:
    """Append-only in the code: the table is written only by api/services/audit.py, which
    inserts; no module names it in an UPDATE or DELETE."""
    for package in ("api", "models", "moderation"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text()
            tree = ast.parse(source)
            names = {
                node.attr if isinstance(node, ast.Attribute) else node.id
                for node in ast.walk(tree)
                if isinstance(node, ast.Name | ast.Attribute)
            }
            if "AuditEntry" in names or "audit_log" in source:
                relative = path.relative_to(ROOT).as_posix()
                assert (
                    relative
                    in {
                        "models/tables.py",
                        "models/queries/audit.py",
                        "api/services/audit.py",
                        "api/graphql/types/audit.py",
                        "api/graphql/query_audit.py",
                        "api/services/transparency.py",
                        # Erasure (GDPR Art. 17) names the person by their tombstone.
                        "api/services/userdata.py",
                    }
                    or "migrations" in relative
                ), relative
                lowered = source.lower()
                assert "update(auditentry" not in lowered and "delete(auditentry" not in lowered
                assert "update audit_log" not in lowered and "delete from audit_log" not in lowered
                if relative != "api/services/userdata.py":  # deletes the erased user's row
                    assert "session.delete" not in source, relative


async def test_the_database_refuses_changes_on_postgresql(api: Api) -> None:
    if api.runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    await api.data(SETTINGS, {"i": {"premoderateAll": True}}, as_=api.token("ad", "admin"))
    for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with api.runtime.db.write() as session:
                await session.exec(text(statement))  # type: ignore[call-overload]
    assert len(await entries(api)) == 1


async def test_operator_commands_are_recorded(api: Api, database_url: str) -> None:
    """API keys created and revoked at the command line: actor null, via "cli"."""
    import asyncio

    from click.testing import CliRunner

    from api.cli.main import cli

    for args in (["apikey", "create", "--name", "partner"], ["apikey", "revoke", "partner"]):
        result = await asyncio.to_thread(
            CliRunner().invoke, cli, [*args, "--database-url", database_url]
        )
        assert result.exit_code == 0, result.output
    found = await entries(api, targetPrefix="apikey:")
    assert [(e["actorId"], e["action"], e["details"]["name"]) for e in found] == [
        (None, "apikey.revoke", "partner"),
        (None, "apikey.create", "partner"),
    ]
