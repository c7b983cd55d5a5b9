"""Reading articles from JSON Lines or plain-text files."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from api.http.errors import BadUserInput
from api.services.articles import ArticleData

JSON_FIELDS = {"slug", "title", "body", "url", "language", "published_at"}


class InvalidArticleFile(Exception):
    """A file that cannot be imported; the message names the file and line."""


def slug_from_name(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_")
    return slug[:200]


def _from_text(path: Path, text: str) -> list[ArticleData]:
    lines = text.splitlines()
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        raise InvalidArticleFile(
            f"{path}: the file is empty; the first non-empty line must be the title"
        )
    body = "\n".join(lines[index + 1 :]).strip("\n")
    return [ArticleData(slug=slug_from_name(path), title=lines[index].strip(), body=body)]


def _from_json_line(path: Path, number: int, line: str) -> ArticleData:
    where = f"{path}:{number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidArticleFile(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise InvalidArticleFile(f"{where}: each line must be a JSON object")
    if unknown := sorted(record.keys() - JSON_FIELDS):
        raise InvalidArticleFile(f"{where}: unknown field(s) {', '.join(unknown)}")
    for required in ("slug", "title", "body"):
        if not isinstance(record.get(required), str):
            raise InvalidArticleFile(f"{where}: {required!r} is required and must be a string")
    for optional in ("url", "language", "published_at"):
        if record.get(optional) is not None and not isinstance(record[optional], str):
            raise InvalidArticleFile(f"{where}: {optional!r} must be a string")
    published = None
    if record.get("published_at"):
        try:
            published = datetime.fromisoformat(record["published_at"])
        except ValueError:
            raise InvalidArticleFile(f"{where}: 'published_at' must be an ISO 8601 time") from None
    return ArticleData(
        slug=record["slug"],
        title=record["title"],
        body=record["body"],
        url=record.get("url"),
        language=record.get("language") or "en",
        published_at=published,
    )


def read_articles(path: Path) -> list[ArticleData]:
    """Parse and validate one file; raises InvalidArticleFile naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidArticleFile(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InvalidArticleFile(f"{path}: {exc.strerror}") from None
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        items = [
            (number, _from_json_line(path, number, line))
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    else:
        items = [(1, item) for item in _from_text(path, text)]
    for number, item in items:
        try:
            item.validated()
        except BadUserInput as exc:
            raise InvalidArticleFile(f"{path}:{number}: {exc}") from None
    return [item for _, item in items]
