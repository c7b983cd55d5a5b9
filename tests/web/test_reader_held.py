"""A signed-in reader's held comment stays in the thread for them after a reload."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import SQLITE_PASS, Site

pytestmark = SQLITE_PASS


def test_a_held_comment_is_still_awaiting_review_after_a_reload(site: Site, new_page: Any) -> None:
    article = site.article("held-reload", "Ferry fares rise in spring")
    published = site.comment(article, "Fair enough, fuel costs more.", user="zoe")
    held = "Smells like a scam to me."  # "scam" is a suspect word on this site

    reader = new_page()
    url = f"{site.base}/articles/held-reload?token={site.token('yan', name='Yan')}"
    reader.goto(url)
    composer = reader.locator("#compose")
    composer.locator("textarea").fill(held)
    composer.locator("button[type=submit]").click()
    expect(composer.locator(".form-message")).to_have_text("Your comment is awaiting review.")

    reader.reload()
    mine = reader.locator("#thread .comment.mine")
    expect(mine.locator(".body")).to_have_text([held])
    expect(mine.locator(".badge")).to_have_text(["Your comment is awaiting review"])
    expect(reader.locator(f'li.comment[data-id="{published["id"]}"] .body')).to_have_text(
        "Fair enough, fuel costs more."
    )

    # Another reader, and an anonymous one, see only the published comment.
    for other in (f"?token={site.token('zed', name='Zed')}", ""):
        page = new_page()
        page.goto(f"{site.base}/articles/held-reload{other}")
        expect(page.locator("#thread .comment .body")).to_have_text(
            ["Fair enough, fuel costs more."]
        )
