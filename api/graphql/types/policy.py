"""Moderation policy as admins and moderators edit it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.services.reasons import rules_of
from models.tables import Article
from models.tables import ModerationSettings as SettingsRow


@strawberry.type
class SiteRule:
    code: str
    title: str


@strawberry.type
class LabelThreshold:
    label: str
    hold: float


@strawberry.type(name="ModerationSettings")
class ModerationSettingsNode:
    row: strawberry.Private[SettingsRow]

    @strawberry.field
    def banned_words(self) -> list[str]:
        return list(self.row.banned_words)

    @strawberry.field
    def suspect_words(self) -> list[str]:
        return list(self.row.suspect_words)

    @strawberry.field(description="The hold threshold of each label of the active scorer.")
    def thresholds(self, info: Info) -> list[LabelThreshold]:
        default = info.context.runtime.settings.hold_threshold
        labels = dict.fromkeys([*info.context.runtime.scorer.scorer.labels, *self.row.thresholds])
        return [
            LabelThreshold(label=label, hold=self.row.thresholds.get(label, default))
            for label in labels
        ]

    @strawberry.field
    def premoderate_all(self) -> bool:
        return self.row.premoderate_all

    @strawberry.field
    def premoderate_links(self) -> bool:
        return self.row.premoderate_links

    @strawberry.field
    def score_unsupported_languages(self) -> bool:
        return self.row.score_unsupported_languages

    @strawberry.field(description="The site's rules: the grounds moderators cite.")
    def rules(self) -> list[SiteRule]:
        return [SiteRule(code=c, title=t) for c, t in rules_of(self.row.rules).items()]

    @strawberry.field(description="Bumped on every change.")
    def version(self) -> int:
        return self.row.version

    @strawberry.field
    def updated_at(self) -> datetime | None:
        return self.row.updated_at if self.row.version else None


@strawberry.type(description="Per-article overrides; null follows the site setting.")
class ArticleModeration:
    row: strawberry.Private[Article]

    @strawberry.field
    def premoderate_all(self) -> bool | None:
        return self.row.premoderate_all

    @strawberry.field
    def premoderate_links(self) -> bool | None:
        return self.row.premoderate_links
