"""The moderator console in Chromium: sign-in, reasons, keyboard decisions, live updates."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from playwright.sync_api import WebSocketRoute, expect

from tests.support.servers import COMMENTMOD
from tests.web.conftest import SQLITE_PASS, Site, card, sign_in

pytestmark = SQLITE_PASS

APPROVE = (
    "mutation($i: ModerateCommentInput!) { approveComment(input: $i) { comment { version } } }"
)


def test_moderator_approves_with_the_keyboard_and_a_reader_sees_it_live(
    site: Site, new_page: Any
) -> None:
    article = site.article("bridge-vote", "Council votes on the bridge")
    held = "This bridge deal is a scam, a total scam."
    site.comment(article, held)

    console = new_page()
    sign_in(console, site, site.token("mo", "moderator", "Mo"))
    first = card(console, held)
    expect(first).to_be_visible()
    # The site is shared by the browser tests: counts are read relative to now.
    before = site.data(
        "{ moderationQueueCounts { pending approved rejected } }",
        as_=site.token("mo", "moderator", "Mo"),
    )["moderationQueueCounts"]
    # Every match of the reason is highlighted in the body, which reads in its own direction.
    expect(first.locator(".body mark")).to_have_text(["scam", "scam"])
    expect(first.locator(".body")).to_have_attribute("dir", "auto")
    expect(first.locator(".reasons")).to_contain_text("SUSPECT_WORD")
    expect(first.locator(".card-head .article")).to_have_attribute("href", "/articles/bridge-vote")

    reader = new_page()
    reader.goto(f"{site.base}/articles/bridge-vote")
    expect(reader.locator("#title")).to_have_text("Council votes on the bridge")
    expect(reader.locator("#thread")).not_to_contain_text(held)
    reader.evaluate("window.notReloaded = true")

    # A comment held while the console is open comes in live, and the count follows.
    later = "Another scam, posted later."
    site.comment(article, later, user="bob")
    expect(card(console, later)).to_be_visible()
    expect(console.locator('[data-count="pending"]')).to_have_text(str(before["pending"] + 1))

    # J/K move the focus; A approves the focused card, which leaves; the next is focused.
    console.keyboard.press("j")
    expect(card(console, later)).to_have_class(re.compile(r"\bfocused\b"))
    console.keyboard.press("k")
    expect(first).to_have_class(re.compile(r"\bfocused\b"))
    console.keyboard.press("a")
    expect(first).to_have_count(0)
    expect(card(console, later)).to_have_class(re.compile(r"\bfocused\b"))
    expect(console.locator('[data-count="pending"]')).to_have_text(str(before["pending"]))
    expect(console.locator('[data-count="approved"]')).to_have_text(str(before["approved"] + 1))

    # The reader's page shows the approved comment without a reload.
    expect(reader.locator("#thread .comment .body", has_text=held)).to_be_visible()
    assert reader.evaluate("window.notReloaded") is True

    # X selects; a bulk rejection decides the selection.
    console.keyboard.press("x")
    expect(console.locator("#selected-count")).to_have_text("1 selected")
    console.fill("#bulk-reason", "spam")
    console.click("#bulk-reject")
    expect(card(console, later)).to_have_count(0)
    expect(console.locator('[data-count="rejected"]')).to_have_text(str(before["rejected"] + 1))


def test_a_conflicting_decision_is_shown_and_the_card_refreshes(site: Site, new_page: Any) -> None:
    article = site.article("ferry-times", "New ferry timetable")
    parent = site.comment(article, "Ferries every 20 minutes from May.", user="fay")
    held = "The new timetable is a scam."
    comment = site.comment(article, held, parent=parent["id"])

    console = new_page()

    # This console hears of nothing leaving its queue (as if the event were still on its
    # way), so it still shows the card when another moderator has already decided.
    def late_events(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: None if '"LEFT"' in str(message) else ws.send(message))

    console.route_web_socket(re.compile(r"/graphql$"), late_events)
    sign_in(console, site, site.token("mo", "moderator", "Mo"))
    # A reply's card shows what it replies to.
    expect(card(console, held).locator(".parent")).to_contain_text(
        "In reply to Fay: Ferries every 20 minutes from May."
    )

    site.data(
        APPROVE,
        {"i": {"commentId": comment["id"], "version": comment["version"]}},
        as_=site.token("mia", "moderator", "Mia"),
    )
    card(console, held).click(position={"x": 5, "y": 5})
    console.keyboard.press("r")
    expect(console.locator("#notice")).to_contain_text(
        "another moderator decided first; this comment is now approved"
    )
    refreshed = card(console, held)
    expect(refreshed.locator(".card-notice")).to_contain_text("Conflict")
    expect(refreshed.locator(".card-head .status")).to_have_text("approved")
    expect(refreshed.locator(".history")).to_contain_text("by Mia")


def test_console_link_signs_in_once(site: Site, new_page: Any) -> None:
    result = subprocess.run(
        [COMMENTMOD, "console-link", "--user", "mona", "--name", "Mona", "--base-url", site.base],
        env={**site.env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    link = result.stdout.strip()
    assert link.startswith(f"{site.base}/console#link="), result

    first = new_page()
    first.goto(link)
    expect(first.locator("#who-name")).to_have_text("Mona (moderator)")
    expect(first.locator("#live-status")).to_have_text("● live")
    # The spent token leaves the address bar.
    assert "#link=" not in first.url

    second = new_page()
    second.goto(link)
    expect(second.locator("#signin-error")).to_contain_text("already used")
    expect(second.locator("#app")).to_be_hidden()

    # Signing out forgets the session.
    first.click("#sign-out")
    expect(first.locator("#signin")).to_be_visible()
    first.reload()
    expect(first.locator("#signin")).to_be_visible()
