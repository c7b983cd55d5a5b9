"""A few sample articles for `commentmod serve --demo` (text written for this project)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.services.articles import ArticleData

ARTICLES = [
    ArticleData(
        slug="river-bridge-reopens",
        title="Old river bridge reopens after two years of repairs",
        body=(
            "The stone bridge on Mill Street reopened to pedestrians and cyclists on Monday "
            "after a two-year restoration that replaced its crumbling parapets and drainage.\n\n"
            "City engineers said cars will be allowed back in the spring once load tests end. "
            "Shop owners on both banks welcomed the news, saying footfall fell by a third "
            "while the crossing was closed."
        ),
        published_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    ),
    ArticleData(
        slug="council-budget-vote",
        title="Council delays budget vote over library funding",
        body=(
            "A vote on next year's budget was postponed on Thursday after members could not "
            "agree on whether to keep all five branch libraries open on weekends.\n\n"
            "The finance committee will present two alternative plans next week."
        ),
        published_at=datetime(2026, 11, 29, 17, 30, tzinfo=UTC),
    ),
    ArticleData(
        slug="night-trains-return",
        title="Night trains to the coast return for the summer season",
        body=(
            "Regional rail will run overnight services to the coast from June to September, "
            "the operator announced, reversing a cut made three years ago.\n\n"
            "Tickets go on sale in March; sleeper cabins will cost about the same as a hotel room."
        ),
        published_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        language="en",
    ),
]
