"""The moderation pipeline end to end: settings, phases, overrides, languages."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.client import Api

SETTINGS = """{ moderationSettings { bannedWords suspectWords thresholds { label hold }
  premoderateAll premoderateLinks scoreUnsupportedLanguages version } }"""
UPDATE = """mutation($i: ModerationSettingsInput!) { updateModerationSettings(input: $i) {
  settings { bannedWords suspectWords thresholds { label hold } premoderateAll premoderateLinks
    scoreUnsupportedLanguages version } } }"""
ARTICLE_MOD = """mutation($i: ArticleModerationInput!) { updateArticleModeration(input: $i) {
  article { moderation { premoderateAll premoderateLinks } } } }"""
REASONS = """query($id: ID!) { comment(id: $id) { status moderation {
  reasons { code detail spans { start end } } } } }"""


async def settings(api: Api, **changes: Any) -> dict[str, Any]:
    data = await api.data(UPDATE, {"i": changes}, as_=api.token("root", "admin"))
    result: dict[str, Any] = data["updateModerationSettings"]["settings"]
    return result


# A new author per post: the same text twice from one author is a repeat post.
_authors = itertools.count()


async def post(api: Api, article_id: str, body: str) -> tuple[str, list[dict[str, Any]]]:
    comment = await api.comment(article_id, body, as_=api.token(f"ann{next(_authors)}"))
    data = await api.data(REASONS, {"id": comment["id"]}, as_=api.token("mo", "moderator"))
    return data["comment"]["status"], data["comment"]["moderation"]["reasons"]


async def test_settings_defaults_update_and_permissions(api: Api) -> None:
    admin = api.token("root", "admin")
    defaults = (await api.data(SETTINGS, as_=admin))["moderationSettings"]
    assert defaults == {
        "bannedWords": [],
        "suspectWords": [],
        "thresholds": [{"label": "toxicity", "hold": 0.8}],
        "premoderateAll": False,
        "premoderateLinks": False,
        "scoreUnsupportedLanguages": False,
        "version": 0,
    }
    changed = await settings(api, bannedWords=["scum", " Scum ", "vermin"], premoderateLinks=True)
    assert changed["bannedWords"] == ["scum", "vermin"]
    assert changed["premoderateLinks"] is True and changed["version"] == 1
    # An omitted field is left as it is.
    again = await settings(api, suspectWords=["traitor"])
    assert again["bannedWords"] == ["scum", "vermin"] and again["premoderateLinks"] is True

    for token, code in [(None, "UNAUTHENTICATED"), (api.token("mo", "moderator"), "FORBIDDEN")]:
        error = await api.error(SETTINGS, as_=token)
        assert error["extensions"]["code"] == code
        error = await api.error(UPDATE, {"i": {"premoderateAll": True}}, as_=token)
        assert error["extensions"]["code"] == code


async def test_invalid_settings_are_refused(api: Api) -> None:
    admin = api.token("root", "admin")
    for bad in [
        {"thresholds": [{"label": "rudeness", "hold": 0.5}]},
        {"thresholds": [{"label": "toxicity", "hold": 1.5}]},
        {"thresholds": [{"label": "toxicity", "hold": 0.5}, {"label": "toxicity", "hold": 0.6}]},
        {"bannedWords": ["ok", "   "]},
        {"suspectWords": ["x" * 101]},
    ]:
        error = await api.error(UPDATE, {"i": bad}, as_=admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
    assert (await api.data(SETTINGS, as_=admin))["moderationSettings"]["version"] == 0


async def test_banned_word_rejects_and_high_score_adds_its_reason(api: Api) -> None:
    article = await api.create_article()
    await settings(api, bannedWords=["scum"])
    body = "You are scum, fuck you"
    status, reasons = await post(api, article["id"], body)
    assert status == "REJECTED"
    codes = [r["code"] for r in reasons]
    assert "BANNED_WORD" in codes and "TOXICITY" in codes
    banned = next(r for r in reasons if r["code"] == "BANNED_WORD")
    (span,) = banned["spans"]
    assert body[span["start"] : span["end"]] == "scum"
    assert "scum" in banned["detail"]


async def test_settings_take_effect_without_restart(api: Api) -> None:
    article = await api.create_article()
    body = "Only a s.c.u.m would write this article."
    assert (await post(api, article["id"], body))[0] == "APPROVED"
    await settings(api, bannedWords=["scum"])
    status, reasons = await post(api, article["id"], body)
    assert status == "REJECTED"
    assert reasons[0]["spans"] == [{"start": 7, "end": 14}]
    await settings(api, bannedWords=[])
    assert (await post(api, article["id"], body))[0] == "APPROVED"


async def test_suspect_word_holds_with_spans(api: Api) -> None:
    article = await api.create_article()
    await settings(api, suspectWords=["traitor"])
    body = "The minister is a TRAITOR to this town."
    status, reasons = await post(api, article["id"], body)
    assert status == "PENDING"
    (reason,) = reasons
    assert reason["code"] == "SUSPECT_WORD"
    assert [body[s["start"] : s["end"]] for s in reason["spans"]] == ["TRAITOR"]
    # A word that merely contains it is fine.
    assert (await post(api, article["id"], "Traitorous weather today."))[0] == "APPROVED"


async def test_links_and_premoderation_follow_site_and_article_settings(api: Api) -> None:
    article = await api.create_article()
    link = "More on this at https://example.com/story today."
    assert (await post(api, article["id"], link))[0] == "APPROVED"

    await settings(api, premoderateLinks=True)
    status, reasons = await post(api, article["id"], link)
    assert status == "PENDING" and [r["code"] for r in reasons] == ["LINKS"]
    assert link[reasons[0]["spans"][0]["start"] :].startswith("https://example.com")

    mo = api.token("mo", "moderator")
    override = await api.data(
        ARTICLE_MOD, {"i": {"articleId": article["id"], "premoderateLinks": False}}, as_=mo
    )
    assert override["updateArticleModeration"]["article"]["moderation"] == {
        "premoderateAll": None,
        "premoderateLinks": False,
    }
    assert (await post(api, article["id"], link))[0] == "APPROVED"

    # The article pre-moderates everything; the link override is left as it is.
    data = await api.data(
        ARTICLE_MOD, {"i": {"articleId": article["id"], "premoderateAll": True}}, as_=mo
    )
    assert data["updateArticleModeration"]["article"]["moderation"]["premoderateLinks"] is False
    status, reasons = await post(api, article["id"], "A calm and kind remark.")
    assert status == "PENDING" and [r["code"] for r in reasons] == ["PREMODERATION"]

    # null follows the site again.
    await api.data(
        ARTICLE_MOD,
        {"i": {"articleId": article["id"], "premoderateAll": None, "premoderateLinks": None}},
        as_=mo,
    )
    assert (await post(api, article["id"], "A calm and kind remark."))[0] == "APPROVED"
    assert (await post(api, article["id"], link))[0] == "PENDING"


async def test_site_premoderation(api: Api) -> None:
    article = await api.create_article()
    await settings(api, premoderateAll=True)
    status, reasons = await post(api, article["id"], "Lovely bridge.")
    assert status == "PENDING" and reasons[0]["code"] == "PREMODERATION"


async def test_article_moderation_needs_a_moderator_and_is_hidden_from_readers(api: Api) -> None:
    article = await api.create_article()
    error = await api.error(
        ARTICLE_MOD,
        {"i": {"articleId": article["id"], "premoderateAll": True}},
        as_=api.token("ann"),
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    query = '{ article(slug: "a-story") { moderation { premoderateAll } } }'
    assert (await api.data(query))["article"]["moderation"] is None
    error = await api.error(
        ARTICLE_MOD,
        {"i": {"articleId": "QXJ0aWNsZTo5OQ", "premoderateAll": True}},
        as_=api.token("mo", "moderator"),
    )
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_thresholds_per_label(api: Api) -> None:
    article = await api.create_article()
    body = "what a stupid idiot"
    status, reasons = await post(api, article["id"], body)
    assert status == "PENDING" and reasons[0]["code"] == "TOXICITY"
    await settings(api, thresholds=[{"label": "toxicity", "hold": 1.0}])
    assert (await post(api, article["id"], body))[0] == "APPROVED"
    shown = (await api.data(SETTINGS, as_=api.token("root", "admin")))["moderationSettings"]
    assert shown["thresholds"] == [{"label": "toxicity", "hold": 1.0}]


async def test_unsupported_language_is_held_unless_the_site_scores_anyway(api: Api) -> None:
    article = await api.create_article()
    french = "Je pense que la mairie a tout à fait raison de rouvrir ce pont."
    status, reasons = await post(api, article["id"], french)
    assert status == "PENDING"
    (reason,) = reasons
    assert reason["code"] == "UNSUPPORTED_LANGUAGE" and "fr" in reason["detail"]

    await settings(api, scoreUnsupportedLanguages=True)
    assert (await post(api, article["id"], french))[0] == "APPROVED"


async def test_short_comments_of_uncertain_language_are_scored(api: Api) -> None:
    article = await api.create_article()
    for body in ["ok", "Bravo!", "lol true", "Merci"]:
        assert (await post(api, article["id"], body))[0] == "APPROVED", body
