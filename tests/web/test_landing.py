"""The landing page in Chromium: every article's reader page is one click away."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import SQLITE_PASS, Site

pytestmark = SQLITE_PASS


def test_landing_page_links_the_reader_pages(site: Site, new_page: Any) -> None:
    site.article("landing-one", "Tram line extended to the university")
    site.article("landing-two", "<b>Bold</b> claims about the tram")

    page = new_page()
    page.goto(f"{site.base}/")
    link = page.locator('#articles a[href="/articles/landing-one"]')
    expect(link).to_have_text("Tram line extended to the university")
    # A title is text, never markup.
    expect(page.locator('#articles a[href="/articles/landing-two"]')).to_have_text(
        "<b>Bold</b> claims about the tram"
    )
    expect(page.locator("#articles b")).to_have_count(0)
    expect(page.locator('a[href="/console"]')).to_be_visible()
    expect(page.locator("#graphiql")).to_be_visible()

    link.click()
    expect(page).to_have_url(f"{site.base}/articles/landing-one")
    expect(page.locator("#title")).to_have_text("Tram line extended to the university")
