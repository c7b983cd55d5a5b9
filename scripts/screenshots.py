"""Screenshots of the moderator console and the reader page, for README.md.

    .venv/bin/python scripts/screenshots.py            # writes docs/console.png, docs/reader.png

Starts `commentmod serve --demo` on a fresh SQLite database (linear scorer), posts a
small thread (an Arabic comment among them), holds a few comments for review, and
photographs both pages in Debian's Chromium (/usr/bin/chromium) through Playwright.
Needs no network.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.http.auth import Identity, Role, issue_token  # noqa: E402
from tests.support.servers import start_server  # noqa: E402

SECRET = "screenshots-" + "s" * 52
SLUG = "river-bridge-reopens"


def token(user: str, role: str = "commenter", name: str | None = None) -> str:
    return issue_token(SECRET, Identity(user, name or user.title(), Role(role)), 3600)


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def data(self, query: str, variables: dict[str, Any] | None = None, *, as_: str) -> Any:
        body = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {as_}"},
            timeout=30,
        ).json()
        if body.get("errors"):
            raise SystemExit(f"GraphQL error: {body['errors']}")
        return body["data"]

    def comment(
        self, article: str, body: str, user: str, name: str, parent: str | None = None
    ) -> Any:
        return self.data(
            "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }",
            {"i": {"articleId": article, "body": body, "parentId": parent}},
            as_=token(user, name=name),
        )["addComment"]["comment"]


# (user, name, body); "scam" and "idiots" are suspect words, the last one is toxic.
THREAD = [
    ("ann", "Ann", "Good to see it open again. The detour added 20 minutes each way."),
    ("layla", "Layla", "أخيرًا! الجسر مفتوح من جديد، وهذا خبر رائع لسكان الحي."),
    ("cho", "Cho", "Will the cycle lane stay open during the evening works?"),
]
HELD = [
    (
        "rex",
        "Rex",
        "The whole repair contract was a scam, and the idiots on the council paid twice.",
    ),
    ("rex", "Rex", "Total scam. Check the tender documents before you believe a word."),
    ("vic", "Vic", "I was stuck there for an hour, you stupid fucking clowns."),
]
APPROVE = "mutation($i: ModerateCommentInput!) { approveComment(input: $i) { comment { id } } }"


def scene(client: Client) -> None:
    admin, mod = token("admin", "admin", "Admin"), token("mo", "moderator", "Mo")
    client.data(
        'mutation { updateModerationSettings(input: {suspectWords: ["scam", "idiots"]}) '
        "{ settings { version } } }",
        as_=admin,
    )
    found = client.data(f'{{ article(slug: "{SLUG}") {{ id }} }}', as_=admin)
    article = found["article"]["id"]
    posted = [client.comment(article, body, user, name) for user, name, body in THREAD]
    client.comment(article, "Same here, the bus is on time again.", "ben", "Ben", posted[0]["id"])
    for comment in posted:
        if comment["status"] != "APPROVED":  # the linear scorer does not read Arabic: a moderator
            client.data(APPROVE, {"i": {"commentId": comment["id"]}}, as_=mod)
    for user, name, body in HELD:
        client.comment(article, body, user, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "COMMENTMOD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/shots.db",
            "COMMENTMOD_JWT_SECRET": SECRET,
            "COMMENTMOD_SCORER": "linear",
        }
        server = start_server(Path(tmp), env, "--demo")
        try:
            client = Client(server.base)
            scene(client)
            args.out.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium)
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(f"{server.base}/console")
                page.fill("#token-input", token("mo", "moderator", "Mo"))
                page.click("#signin-form button[type=submit]")
                expect(page.locator("#live-status")).to_have_text("● live")
                expect(page.locator("#cards .card").first).to_be_visible()
                page.keyboard.press("j")
                page.screenshot(path=str(args.out / "console.png"), full_page=False)

                page = browser.new_page(viewport={"width": 900, "height": 1000})
                page.goto(f"{server.base}/articles/{SLUG}?token={token('dee', name='Dee')}")
                expect(page.locator("#thread .comment").first).to_be_visible()
                page.screenshot(path=str(args.out / "reader.png"), full_page=True)
                browser.close()
        finally:
            server.stop()
    print(f"wrote {args.out / 'console.png'} and {args.out / 'reader.png'}")


if __name__ == "__main__":
    main()
