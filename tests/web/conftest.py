"""Browser tests: Debian's Chromium, driven by Playwright, against a real `commentmod serve`.

They run in the SQLite pass only (the pages are clients of the API, which the
PostgreSQL pass already covers), and they fail, never skip, when Chromium is
missing: `.ci/run` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.auth import Identity, Role, issue_token
from tests.support.constants import POSTGRES
from tests.support.servers import Server, start_server

CHROMIUM = Path(os.environ.get("COMMENTMOD_TEST_CHROMIUM", "/usr/bin/chromium"))
SECRET = "web-test-secret-" + "x" * 48

# Each module here sets `pytestmark = SQLITE_PASS` (a conftest's own pytestmark applies to nothing).
SQLITE_PASS = pytest.mark.skipif(
    POSTGRES is not None, reason="browser tests run in the SQLite pass of `make test`"
)


@dataclass
class Site:
    """The running server, and GraphQL calls as any user, for setting scenes up."""

    server: Server
    env: dict[str, str]

    @property
    def base(self) -> str:
        return self.server.base

    def token(self, user: str, role: str = "commenter", name: str | None = None) -> str:
        identity = Identity(user_id=user, name=name or user.title(), role=Role(role))
        return issue_token(SECRET, identity, 3600)

    def call(self, query: str, variables: dict[str, Any] | None = None, *, as_: str) -> Any:
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {as_}"},
            timeout=30,
        )
        return response.json()

    def data(self, query: str, variables: dict[str, Any] | None = None, *, as_: str) -> Any:
        body = self.call(query, variables, as_=as_)
        assert "errors" not in body, body
        return body["data"]

    def article(self, slug: str, title: str, body: str = "The story.") -> str:
        data = self.data(
            "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
            {"a": {"slug": slug, "title": title, "body": body}},
            as_=self.token("admin", "admin"),
        )
        article_id: str = data["upsertArticle"]["article"]["id"]
        return article_id

    def comment(
        self, article_id: str, body: str, *, user: str = "ann", parent: str | None = None
    ) -> dict[str, Any]:
        data = self.data(
            "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status version } } }",
            {"i": {"articleId": article_id, "body": body, "parentId": parent}},
            as_=self.token(user),
        )
        comment: dict[str, Any] = data["addComment"]["comment"]
        return comment


def open_site(workdir: Path) -> Site:
    """A fresh `commentmod serve` on its own SQLite database in workdir."""
    env = {
        "COMMENTMOD_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/web.db",
        "COMMENTMOD_JWT_SECRET": SECRET,
        "COMMENTMOD_SCORER": "linear",
        # The landing page's GraphiQL link is part of what the browser tests see.
        "COMMENTMOD_ENV": "development",
    }
    return Site(start_server(workdir, env), env)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = open_site(tmp_path_factory.mktemp("web"))
    # "scam" holds a comment with SUSPECT_WORD and the spans of each match.
    site.data(
        'mutation { updateModerationSettings(input: {suspectWords: ["scam"]}) { settings { version } } }',
        as_=site.token("admin", "admin"),
    )
    yield site
    site.server.stop()


# Per module, not per session: Playwright's sync API keeps an event loop running while
# it is open, and any asyncio test collected after it would then fail to start its own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's Chromium "
        "(apt-get install -y --no-install-recommends chromium); never `playwright install`"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Pages in fresh browser contexts (separate storage: separate people), each failing the
    test on a script error or a dialog (an alert would mean injected markup ran)."""
    contexts: list[Any] = []
    problems: list[str] = []

    def make() -> Any:
        context = browser.new_context()
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "dialog",
            lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()),
        )
        # Script errors and CSP violations; a refused request (401, 409) is expected in some tests.
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if message.type == "error"
                and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == []


def sign_in(page: Any, site: Site, token: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/console")
    page.fill("#token-input", token)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#live-status")).to_have_text("● live")


def card(page: Any, text: str) -> Any:
    return page.locator("#cards .card", has_text=text)
