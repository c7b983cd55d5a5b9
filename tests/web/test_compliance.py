"""Issue 19 in Chromium: the author reads why their comment was held and appeals; another
moderator reverses it from the console's APPEALS queue; a notice of illegal content
arrives live in the ILLEGAL queue and is decided on a legal ground."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import SQLITE_PASS, Site, sign_in

pytestmark = SQLITE_PASS

NOTICE = """mutation($i: ReportIllegalContentInput!) { reportIllegalContent(input: $i) {
  notice { id } } }"""


def test_statement_appeal_reversal_and_a_notice_in_the_console(site: Site, new_page: Any) -> None:
    article = site.article("dsa-path", "Harbour plan approved")
    held_text = "Sounds like a scam, honestly."  # "scam" is a suspect word on this site
    held = site.comment(article, held_text, user="ava")
    assert held["status"] == "PENDING"

    # The author reads the statement of reasons on the reader page, and appeals.
    reader = new_page()
    reader.goto(f"{site.base}/articles/dsa-path?token={site.token('ava', name='Ava')}")
    mine = reader.locator(f'li.comment[data-id="{held["id"]}"]')
    mine.locator("button.why").click()
    statement = mine.locator(".statement")
    expect(statement.locator(".facts")).to_contain_text("held for review")
    expect(statement.locator(".automation")).to_contain_text("automated means")
    expect(statement.locator(".automation")).to_contain_text("SUSPECT_WORD")
    expect(statement.locator(".redress")).to_contain_text("appeal")
    statement.locator("textarea").fill("It is a figure of speech, not an accusation.")
    statement.locator("button[type=submit]").click()
    expect(statement.locator(".appeal-status")).to_have_text(
        "Your appeal is waiting for a moderator."
    )

    # A moderator reverses it from the APPEALS queue.
    console = new_page()
    sign_in(console, site, site.token("mo", "moderator", "Mo"))
    appeals_tab = console.locator('#compliance-tabs [data-page="APPEALS"]')
    expect(appeals_tab).to_be_visible()
    appeals_tab.click()
    card = console.locator(".appeal-card", has_text="figure of speech")
    expect(card).to_contain_text("automated means")
    card.locator("textarea").fill("A figure of speech; the comment may stand.")
    card.locator("button.reverse").click()
    expect(console.locator("#compliance-status")).to_contain_text("reversed")
    expect(card).to_have_count(0)

    reader.reload()
    published = reader.locator(f'li.comment[data-id="{held["id"]}"]')
    expect(published.locator(".body")).to_have_text(held_text)
    expect(published.locator(".badge")).to_have_count(0)

    # A notice sent anonymously arrives live in the ILLEGAL queue; the moderator removes
    # the comment on a legal ground.
    target = site.comment(article, "Everyone knows the mayor takes bribes.", user="kit")
    illegal_tab = console.locator('#compliance-tabs [data-page="ILLEGAL"]')
    illegal_tab.click()
    before = int(console.locator("#count-illegal").inner_text())
    body = site.call(
        NOTICE,
        {
            "i": {
                "commentId": target["id"],
                "lawBroken": "Defamation",
                "explanation": "A false accusation of a crime against a named person.",
                "goodFaith": True,
            }
        },
        as_=site.token("nia"),
    )
    assert "errors" not in body, body
    expect(console.locator("#count-illegal")).to_have_text(str(before + 1))
    notice = console.locator(".notice-card", has_text="false accusation")
    expect(notice).to_contain_text("mayor takes bribes")
    notice.locator("input.legal-ground").fill("Criminal Code §187 (defamation)")
    notice.locator("textarea").fill("An unproven accusation of a crime against a named official.")
    notice.locator("button.remove").click()
    expect(console.locator("#compliance-status")).to_contain_text("decided")
    expect(console.locator("#count-illegal")).to_have_text(str(before))
