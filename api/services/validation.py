"""Input checks shared by the mutations and the importer."""

from __future__ import annotations

import re
import unicodedata

from api.http.errors import BadUserInput

# Letters that render as nothing (fillers, the blank braille pattern): text made of
# them, spaces and format characters shows as blank as whitespace does.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,199}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def text_field(name: str, value: str, *, max_length: int, required: bool = True) -> str:
    """Refuse NUL bytes, blank required text and text over max_length characters."""
    if "\x00" in value:
        raise BadUserInput(f"{name} must not contain NUL characters", field=name)
    if required and not is_visible(value):
        raise BadUserInput(f"{name} must not be empty", field=name)
    if len(value) > max_length:
        raise BadUserInput(
            f"{name} is {len(value)} characters long; the limit is {max_length}",
            field=name,
            maxLength=max_length,
        )
    return value


def is_visible(value: str) -> bool:
    """Whether the text shows anything: not only whitespace, control and format
    characters (zero-width spaces, joiners, BOMs, bidi controls) or blank letters."""
    return any(
        not char.isspace()
        and unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")
        and char not in BLANK_LETTERS
        for char in value
    )


def slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise BadUserInput(
            "slug must be 1-200 characters of a-z, 0-9, '-' and '_', "
            "starting with a letter or digit",
            field="slug",
        )
    return value


def language(value: str) -> str:
    if not LANGUAGE.match(value) or len(value) > 16:
        raise BadUserInput(
            "language must be a language tag such as 'en' or 'pt-BR'", field="language"
        )
    return value


def url(value: str | None) -> str | None:
    if value is None:
        return None
    text_field("url", value, max_length=2000)
    if not re.match(r"^https?://[^\s]+$", value):
        raise BadUserInput("url must be an http(s) URL", field="url")
    return value
