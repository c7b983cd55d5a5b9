"""The documentation holds together: links resolve, the index lists every page,
README stays a front page, and every setting is documented."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

from tests.docs.markdown import ROOT, documents, examples, links, markers_anywhere
from tests.support.client import make_settings

DOCS = ROOT / "docs"


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the document's headings."""
    found: set[str] = set()
    tokens = MarkdownIt("commonmark").parse(path.read_text())
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open":
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", inline.content).replace("`", "")
            found.add(re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-"))
    return found


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(path: Path) -> None:
    broken = []
    for line, target in links(path):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # outside the repository: not checked (no network in tests)
        file = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not file.exists():
            broken.append(f"line {line}: {target} (no such file)")
        elif parts.fragment and file.suffix == ".md" and parts.fragment not in anchors(file):
            broken.append(f"line {line}: {target} (no such heading)")
    assert not broken, f"{path.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_index_lists_every_page() -> None:
    listed = {
        (DOCS / urlsplit(target).path).resolve()
        for _, target in links(DOCS / "index.md")
        if not urlsplit(target).scheme and urlsplit(target).path.endswith(".md")
    }
    pages = {page.resolve() for page in DOCS.glob("*.md") if page.name != "index.md"}
    assert pages - listed == set(), "docs/index.md does not list these pages"
    readme_links = {target for _, target in links(ROOT / "README.md")}
    assert "docs/index.md" in readme_links


def test_readme_is_a_front_page() -> None:
    readme = ROOT / "README.md"
    assert len(readme.read_text().splitlines()) < 250
    images = {target for _, target in links(readme)}
    assert {"docs/console.png", "docs/reader.png"} <= images


def test_every_setting_is_documented() -> None:
    """docs/configuration.md names every COMMENTMOD_* variable the server reads."""
    settings = type(make_settings("sqlite+aiosqlite:///unused.db"))
    page = (DOCS / "configuration.md").read_text()
    missing = [
        f"COMMENTMOD_{name.upper()}"
        for name in settings.model_fields
        if f"`COMMENTMOD_{name.upper()}`" not in page
    ]
    assert not missing, f"docs/configuration.md lacks {missing}"


def test_markers_sit_right_before_an_example() -> None:
    """A marker that does not precede an example fence (a blank line too many, a
    typo in the fence) would leave its example run, or unmarked, by mistake."""
    for path in documents():
        attached = {(example.line, tuple(sorted(example.markers))) for example in examples(path)}
        placed = len(markers_anywhere(path))
        assert placed == sum(1 for _, keys in attached if keys), (
            f"{path.relative_to(ROOT)}: a marker comment is not right before an example"
        )
