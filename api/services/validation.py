"""Input checks shared by the mutations and the importer."""

from __future__ import annotations

import re

from api.http.errors import BadUserInput

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,199}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def text_field(name: str, value: str, *, max_length: int, required: bool = True) -> str:
    """Refuse NUL bytes, blank required text and text over max_length characters."""
    if "\x00" in value:
        raise BadUserInput(f"{name} must not contain NUL characters", field=name)
    if required and not value.strip():
        raise BadUserInput(f"{name} must not be empty", field=name)
    if len(value) > max_length:
        raise BadUserInput(
            f"{name} is {len(value)} characters long; the limit is {max_length}",
            field=name,
            maxLength=max_length,
        )
    return value


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
