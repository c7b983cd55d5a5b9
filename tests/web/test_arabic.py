"""Arabic in Chromium: a thread reads right to left on the reader page and in the console,
Arabic abuse is held by the Arabic scorer, and an unscored comment says why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import SQLITE_PASS, Site, card, open_site, sign_in

pytestmark = SQLITE_PASS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server of this module's own: the console tests count the shared site's queues."""
    site = open_site(tmp_path_factory.mktemp("web-arabic"))
    yield site
    site.server.stop()


def direction(locator: Any) -> str:
    value: str = locator.evaluate("e => getComputedStyle(e).direction")
    return value


def test_an_arabic_thread_reads_right_to_left(site: Site, new_page: Any) -> None:
    article = site.article("arabic-thread", "الكهرباء في بيروت", "تقرير عن أزمة الكهرباء.")
    top = site.comment(article, "شكراً على هذا التقرير المفصل عن الكهرباء في بيروت.")
    assert top["status"] == "APPROVED"
    reply = site.comment(article, "والله معكن حق، الكهرباء صارت مشكلة كبيرة", parent=top["id"])
    assert reply["status"] == "APPROVED"
    english = site.comment(article, "Thanks, the same happens in our street.", user="bob")
    assert english["status"] == "APPROVED"

    page = new_page()
    page.goto(f"{site.base}/articles/arabic-thread")
    expect(page.locator("#title")).to_have_text("الكهرباء في بيروت")
    arabic = page.locator(".comment .body", has_text="شكراً على هذا التقرير")
    expect(arabic).to_be_visible()
    expect(page.locator(".comment .body", has_text="مشكلة كبيرة")).to_be_visible()
    assert direction(arabic) == "rtl"
    assert direction(page.locator(".comment .body", has_text="Thanks, the same")) == "ltr"


def test_console_shows_the_arabic_scorer_and_says_why_a_comment_was_not_scored(
    site: Site, new_page: Any
) -> None:
    article = site.article("arabic-held", "خبر")
    abuse = "يلعن أبوك يا حمار"
    assert site.comment(article, abuse, user="carl")["status"] == "PENDING"
    french = "Je pense que la mairie a tout à fait raison de rouvrir ce pont."
    assert site.comment(article, french, user="dina")["status"] == "PENDING"

    console = new_page()
    sign_in(console, site, site.token("mo", "moderator", "Mo"))
    held = card(console, abuse)
    expect(held).to_be_visible()
    assert direction(held.locator(".body")) == "rtl"
    expect(held.locator(".scores h3")).to_contain_text("arabic@")
    expect(held.locator(".scores h3")).to_contain_text("· ar")
    expect(held.locator(".reasons")).to_contain_text("TOXICITY")

    unscored = card(console, french)
    expect(unscored.locator(".scores")).to_contain_text("not scored: language fr")
    expect(unscored.locator(".score")).to_have_count(0)
