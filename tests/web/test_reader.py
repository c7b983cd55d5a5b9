"""The reader page in Chromium: the thread, posting, errors, and user text kept as text."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.conftest import SQLITE_PASS, Site, card, sign_in

pytestmark = SQLITE_PASS

XSS = "<img src=x onerror=alert(1)>"


def test_pages_forbid_inline_scripts(site: Site) -> None:
    for path in ("/console", "/articles/anything"):
        response = httpx.get(f"{site.base}{path}")
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "<script>" not in response.text  # only <script src=...>
    script = httpx.get(f"{site.base}/static/console.js")
    assert script.headers["content-type"].startswith("text/javascript")


def test_markup_in_a_comment_is_shown_as_text(site: Site, new_page: Any) -> None:
    article = site.article("markup", "Markup in comments")
    site.comment(article, XSS)
    held = f"{XSS} is a scam"
    site.comment(article, held, user="bob")

    reader = new_page()
    reader.goto(f"{site.base}/articles/markup")
    expect(reader.locator("#thread .comment .body")).to_have_text([XSS])
    expect(reader.locator("#thread img")).to_have_count(0)

    console = new_page()
    sign_in(console, site, site.token("mo", "moderator"))
    expect(card(console, held).locator(".body")).to_have_text(held)
    expect(console.locator("#cards img")).to_have_count(0)
    # The new_page fixture fails the test had any dialog (alert) opened.


def test_reader_posts_replies_and_sees_each_error_plainly(site: Site, new_page: Any) -> None:
    article = site.article("harbour", "Harbour works begin", "Works start on Monday.")
    first = site.comment(article, "First!", user="cat")
    site.comment(article, "Second, and oldest-but-one.", user="dan")

    reader = new_page()
    reader.goto(f"{site.base}/articles/harbour?token={site.token('eve', name='Eve')}")
    bodies = reader.locator("#thread > .comment > .body")
    expect(bodies).to_have_text(["Second, and oldest-but-one.", "First!"])
    reader.select_option("#order", "OLDEST_FIRST")
    expect(bodies).to_have_text(["First!", "Second, and oldest-but-one."])

    # A reply nests under its parent.
    parent = reader.locator(f'li.comment[data-id="{first["id"]}"]')
    parent.locator(":scope > .comment-actions .reply").click()
    parent.locator(".reply-slot textarea").fill("Agreed with the first.")
    parent.locator(".reply-slot button[type=submit]").click()
    expect(parent.locator(":scope > .replies > .comment > .body")).to_have_text(
        ["Agreed with the first."]
    )

    # A held comment: the author is told, and sees it marked.
    composer = reader.locator("#compose")
    composer.locator("textarea").fill("What a scam this is.")
    composer.locator("button[type=submit]").click()
    expect(composer.locator(".form-message")).to_have_text("Your comment is awaiting review.")
    expect(reader.locator(".comment.mine .badge")).to_have_text("Your comment is awaiting review")

    # Too long: the limit is named.
    composer.locator("textarea").fill("x" * 5001)
    composer.locator("button[type=submit]").click()
    expect(composer.locator(".form-message")).to_have_text(
        "Your comment is too long: at most 5000 characters."
    )

    # Comments closed while the page is open.
    site.data(
        "mutation($i: SetCommentsOpenInput!) { setCommentsOpen(input: $i) { article { id } } }",
        {"i": {"articleId": article, "open": False}},
        as_=site.token("mo", "moderator"),
    )
    composer.locator("textarea").fill("Still open?")
    composer.locator("button[type=submit]").click()
    expect(composer.locator(".form-message")).to_have_text("Comments are closed on this article.")


def test_load_more_follows_the_cursor(site: Site, new_page: Any) -> None:
    article = site.article("busy-thread", "A busy thread")
    for i in range(12):
        site.comment(article, f"Comment number {i}.", user=f"u{i}")
    reader = new_page()
    reader.goto(f"{site.base}/articles/busy-thread")
    bodies = reader.locator("#thread > .comment > .body")
    expect(bodies).to_have_count(10)
    reader.click("#more")
    expect(bodies).to_have_count(12)
    expect(reader.locator("#more")).to_be_hidden()
    expect(reader.locator("#comment-count")).to_have_text("(12)")
