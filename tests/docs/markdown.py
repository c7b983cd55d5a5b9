"""The examples and links of README.md and docs/*.md, read with markdown-it.

An example is a fenced block in `sh`, `bash`, `shell` or `graphql`. An HTML comment
right before the fence says how the test treats it:

- `<!-- not-run: why -->`: never run (it serves, benchmarks, needs the network, ...);
- `<!-- as: moderator -->`: a GraphQL block is sent with a token of that role
  (`commenter`, `moderator` or `admin`; without it, anonymously);
- `<!-- expect-error: CODE -->`: the example shows an error: at least one response
  carries that code (GraphQL `extensions.code`, Perspective `error.status`), and
  every other response succeeds.

Several markers may share one comment, each after a `;`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
SHELL = {"sh", "bash", "shell"}
RUNNABLE = SHELL | {"graphql"}
MARKERS = {"not-run", "as", "expect-error"}
_MARKER = re.compile(r"^<!--(.*)-->\s*$", re.DOTALL)
_parser = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Example:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    markers: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{display(self.path)}:{self.line}"

    @property
    def runs(self) -> bool:
        return "not-run" not in self.markers


def display(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _markers(html: str, where: str) -> dict[str, str]:
    match = _MARKER.match(html.strip())
    if match is None:
        return {}
    found: dict[str, str] = {}
    for part in re.split(r";\s*(?=(?:not-run|as|expect-error)\s*:)", match.group(1)):
        key, sep, value = part.partition(":")
        key = key.strip()
        if not sep or key not in MARKERS:
            # A comment that is not ours (or a misspelt marker) must not pass silently.
            raise ValueError(f"{where}: unknown example marker {part.strip()!r}")
        found[key] = value.strip()
    return found


def examples(path: Path) -> list[Example]:
    tokens = _parser.parse(path.read_text())
    found: list[Example] = []
    for index, token in enumerate(tokens):
        if token.type != "fence" or token.map is None:
            continue
        lang = token.info.split()[0].lower() if token.info.strip() else ""
        if lang not in RUNNABLE:
            continue
        line = token.map[0] + 1
        where = f"{display(path)}:{line}"
        before = tokens[index - 1] if index > 0 else None
        markers = {}
        if before is not None and before.type == "html_block":
            markers = _markers(before.content, where)
        found.append(Example(path, line, lang, token.content, markers))
    return found


def markers_anywhere(path: Path) -> list[tuple[int, str]]:
    """Every HTML comment that looks like one of ours, wherever it is (line, text)."""
    text = path.read_text()
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(0))
        for match in re.finditer(r"^<!--\s*(not-run|as|expect-error)\s*:.*?-->", text, re.MULTILINE)
    ]


def links(path: Path) -> list[tuple[int, str]]:
    """The targets of the document's links and images (line, target)."""
    found: list[tuple[int, str]] = []

    def walk(children: list[object], line: int) -> None:
        for child in children:
            attrs = getattr(child, "attrs", {}) or {}
            target = attrs.get("href") or attrs.get("src")
            if isinstance(target, str):
                found.append((line, target))
            walk(getattr(child, "children", None) or [], line)

    for token in _parser.parse(path.read_text()):
        if token.type == "inline" and token.map is not None:
            walk(list(token.children or []), token.map[0] + 1)
    return found
