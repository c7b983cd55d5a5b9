"""Authors in Chromium: editing and deleting their comments, notifications; the console's view."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import SQLITE_PASS, Site, card, sign_in

pytestmark = SQLITE_PASS

REJECT = "mutation($i: ModerateCommentInput!) { rejectComment(input: $i) { comment { id } } }"


def test_an_author_edits_deletes_and_hears_of_a_decision(site: Site, new_page: Any) -> None:
    article = site.article("tram-depot", "New tram depot opens")
    site.comment(article, "Good news for the east side.", user="kim")
    author = new_page()
    author.goto(f"{site.base}/articles/tram-depot?token={site.token('lee', name='Lee')}")
    composer = author.locator("#compose")
    for text in ("The depot looks great.", "I will miss the old yard."):
        composer.locator("textarea").fill(text)
        composer.locator("button[type=submit]").click()
        expect(author.locator("#thread .comment.mine .body", has_text=text)).to_be_visible()

    # Edit within the window: the new text, marked as edited, for everyone.
    first = author.locator("#thread .comment.mine", has_text="The depot looks great.")
    mine = author.locator(f'li.comment[data-id="{first.get_attribute("data-id")}"]')
    mine.locator(".comment-actions .edit").click()
    mine.locator(".edit-form textarea").fill("The depot looks great, and it is quiet.")
    mine.locator(".edit-form button[type=submit]").click()
    expect(mine.locator(".body")).to_have_text("The depot looks great, and it is quiet.")
    expect(mine.locator(".meta .edited")).to_have_text("(edited)")

    # Delete: a placeholder stays; the count drops.
    expect(author.locator("#comment-count")).to_have_text("(3)")
    gone = author.locator("#thread .comment.mine", has_text="I will miss the old yard.")
    gone.locator(".comment-actions .delete").click()
    placeholder = author.locator("#thread .comment.mine .body.deleted")
    expect(placeholder).to_have_text("This comment was deleted.")
    expect(author.locator("#comment-count")).to_have_text("(2)")

    reader = new_page()
    reader.goto(f"{site.base}/articles/tram-depot")
    expect(reader.locator("#thread .comment .meta .edited")).to_have_count(1)
    expect(reader.locator("#thread .comment .body.deleted")).to_have_text(
        ["This comment was deleted."]
    )
    expect(reader.locator("#thread .comment .edit, #thread .comment .delete")).to_have_count(0)

    # A held comment, then a moderator's decision with a reason shown: heard live.
    composer.locator("textarea").fill("This depot is a scam.")
    composer.locator("button[type=submit]").click()
    notices = author.locator("#notification-list .notification")
    expect(notices.first).to_have_attribute("data-kind", "HELD")
    held = site.data(
        "{ moderationQueue(queue: PENDING) { edges { node { id body } } } }",
        as_=site.token("mo", "moderator"),
    )
    (node,) = [
        e["node"]
        for e in held["moderationQueue"]["edges"]
        if e["node"]["body"] == "This depot is a scam."
    ]
    site.data(
        REJECT,
        {"i": {"commentId": node["id"], "reason": "Not a scam", "showReasonToAuthor": True}},
        as_=site.token("mo", "moderator"),
    )
    expect(notices.first).to_have_attribute("data-kind", "REJECTED")
    expect(notices.first.locator(".message")).to_have_text(" “Not a scam”")
    expect(author.locator("#unread-count")).to_have_text("(2 unread)")
    author.locator("#mark-read").click()
    expect(author.locator("#unread-count")).to_have_text("")
    expect(author.locator("#notification-list .notification.unread")).to_have_count(0)


def test_the_console_shows_an_edited_comments_revisions(site: Site, new_page: Any) -> None:
    article = site.article("ferry-times", "Ferry timetable changes")
    posted = site.comment(article, "Ferries every hour now.", user="max")
    edited = site.data(
        "mutation($i: EditCommentInput!) { editComment(input: $i) { comment { status } } }",
        {
            "i": {
                "commentId": posted["id"],
                "body": "Ferries every hour now, what a scam.",
                "version": posted["version"],
            }
        },
        as_=site.token("max"),
    )
    assert edited["editComment"]["comment"]["status"] == "PENDING"
    console = new_page()
    sign_in(console, site, site.token("mo", "moderator", "Mo"))
    found = card(console, "what a scam")
    expect(found.locator(".card-head .edited")).to_have_text("edited")
    expect(found.locator(".revisions h3")).to_have_text("Revisions (2)")
    expect(found.locator(".revisions .revision-body")).to_have_text(
        ["Ferries every hour now.", "Ferries every hour now, what a scam."]
    )
