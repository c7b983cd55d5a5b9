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
