"""Changing the moderation policy: site-wide settings and per-article overrides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.http.auth import Identity
from api.http.errors import BadUserInput, NotFound
from api.live.bus import EventBus
from api.live.events import ArticleChanged, SettingsChanged
from api.services import audit, reasons, validation
from models.database import Database
from models.queries.settings import SETTINGS_ID, update_settings
from models.tables import Article, ModerationSettings
from moderation.labels import LABELS

MAX_ENTRIES = 50_000
MAX_ENTRY_LENGTH = 100


def word_list(name: str, entries: list[str]) -> list[str]:
    """Trimmed, without blanks or case-insensitive repeats, in the order given."""
    if len(entries) > MAX_ENTRIES:
        raise BadUserInput(f"{name} may hold at most {MAX_ENTRIES} entries", field=name)
    seen: dict[str, str] = {}
    for entry in entries:
        validation.text_field(name, entry, max_length=MAX_ENTRY_LENGTH)
        seen.setdefault(entry.strip().casefold(), entry.strip())
    return list(seen.values())


def thresholds(values: dict[str, float]) -> dict[str, float]:
    for label, hold in values.items():
        if label not in LABELS:
            raise BadUserInput(
                f"unknown label {label!r}; labels are {', '.join(LABELS)}", field="thresholds"
            )
        if not 0.0 <= hold <= 1.0:
            raise BadUserInput(
                f"the hold threshold of {label} must be within 0..1", field="thresholds"
            )
    return values


@dataclass(frozen=True)
class SettingsChange:
    """Only the fields that are set change; None leaves a field as it is."""

    banned_words: list[str] | None = None
    suspect_words: list[str] | None = None
    thresholds: dict[str, float] | None = None
    premoderate_all: bool | None = None
    premoderate_links: bool | None = None
    score_unsupported_languages: bool | None = None
    # (code, wording) of each site rule, replacing them all; the grounds of decisions.
    rules: list[tuple[str, str]] | None = None

    def validated(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if self.rules is not None:
            changes["rules"] = reasons.validated_rules(self.rules)
        if self.banned_words is not None:
            changes["banned_words"] = word_list("bannedWords", self.banned_words)
        if self.suspect_words is not None:
            changes["suspect_words"] = word_list("suspectWords", self.suspect_words)
        if self.thresholds is not None:
            changes["thresholds"] = thresholds(self.thresholds)
        for flag in ("premoderate_all", "premoderate_links", "score_unsupported_languages"):
            if (value := getattr(self, flag)) is not None:
                changes[flag] = value
        return changes


WORD_LISTS = ("banned_words", "suspect_words")


def audit_details(previous: ModerationSettings | None, changes: dict[str, Any]) -> dict[str, Any]:
    """What changed, for the audit log: word lists as the entries added and removed (a
    list may hold 50,000 entries; its whole copy on every change would swamp the log),
    other fields as their old and new values."""
    details: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(previous, name, None) if previous is not None else None
        if name in WORD_LISTS:
            before, after = set(old or []), set(value)
            details[name] = {"added": sorted(after - before), "removed": sorted(before - after)}
        else:
            details[name] = {"from": old, "to": value}
    return details


async def change_settings(
    db: Database, admin: Identity, change: SettingsChange, *, events: EventBus | None = None
) -> ModerationSettings:
    changes = change.validated()
    async with db.write() as session:
        previous = await session.get(ModerationSettings, SETTINGS_ID, with_for_update=True)
        details = audit_details(previous, changes)
        row = await update_settings(session, changes, admin.user_id)
        await audit.record(
            session,
            actor_id=admin.user_id,
            action="settings.update",
            target="settings",
            details={"version": row.version, "changes": details},
        )
    if events is not None:
        events.publish(SettingsChanged(row.version))
    return row


async def change_article_moderation(
    db: Database,
    article_id: int | None,
    changes: dict[str, bool | None],
    *,
    actor: Identity | None = None,
    events: EventBus | None = None,
) -> Article:
    """Set per-article overrides; a None value means "follow the site setting"."""
    async with db.write() as session:
        article = await session.get(Article, article_id) if article_id is not None else None
        if article is None:
            raise NotFound("no article with that id", field="articleId")
        details = {
            name: {"from": getattr(article, name), "to": value} for name, value in changes.items()
        }
        for name, value in changes.items():
            setattr(article, name, value)
        await session.flush()
        await audit.record(
            session,
            actor_id=actor.user_id if actor else None,
            action="article.moderation",
            target=f"article:{article.id}",
            details=details,
        )
    if events is not None and article.id is not None:
        events.publish(ArticleChanged(article.id))
    return article
