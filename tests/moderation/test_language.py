"""Language detection: confident guesses only."""

from __future__ import annotations

import pytest

from moderation.language import detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I think the council is wrong about closing the libraries.", "en"),
        ("Je pense que la mairie a tout à fait raison de rouvrir ce pont.", "fr"),
        ("Ich finde, der Stadtrat sollte die Bibliotheken offen halten.", "de"),
        ("Creo que el ayuntamiento debería mantener abiertas las bibliotecas.", "es"),
    ],
)
def test_clear_texts_are_identified(text: str, language: str) -> None:
    assert detect(text).language == language


@pytest.mark.parametrize("text", ["ok", "lol", "Bravo!", "1234 5678", "👍👍"])
def test_short_texts_are_uncertain(text: str) -> None:
    assert detect(text).language is None


def test_text_in_no_language_is_no_language() -> None:
    """py3langid answers "zxx" (no linguistic content), sometimes confidently, for a run of
    hex: that names no scorer, so it must read as undetected, never as a language."""
    from moderation.language import _identifier

    text = "you stupid idiot marker0fc35759f4cf"
    assert _identifier().classify(text)[0] == "zxx"
    detected = detect(text)
    assert detected.language is None and detected.guess is None


@pytest.mark.parametrize(
    "text",
    [
        "يا حمار",
        "كس اختك",
        "مقال ممتاز",
        "the article says يا حمار",
        "ya 7mar",
        "yel3an abouk",
        "ra7 e2tlak",
        "sa7ten",
        "shu hal 7ake ya zalame",
        "ma3kon 7a2, el kahraba sar moshkle kbire",
    ],
)
def test_arabic_script_and_arabizi_are_arabic_however_short(text: str) -> None:
    assert detect(text).language == "ar"


@pytest.mark.parametrize(
    "text", ["see ya later", "l33t h4x0r", "2day is great", "2nite", "B2B sales up 35%", "ok ya"]
)
def test_english_leetspeak_and_numbers_are_not_arabizi(text: str) -> None:
    assert detect(text).language != "ar"


def test_other_languages_in_arabic_script_are_told_apart_when_long_enough() -> None:
    assert detect("این یک متن فارسی است که درباره شهر نوشته شده").language == "fa"
