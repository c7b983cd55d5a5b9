"""Every example of README.md and docs/*.md runs against a real server, as written.

Each document gets its own `commentmod serve --demo` in a fresh directory; its
shell and GraphQL examples run in order (see tests/docs/runner.py). An example
fails when a command fails, or when a response is not a success (HTTP 2xx, no
GraphQL `errors`) unless the document marks it as showing that error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.docs.markdown import ROOT, Example, documents, examples
from tests.docs.runner import DocumentRun, run_document

# The examples run against `make run`'s server, on SQLite whatever the pass: the
# PostgreSQL pass of `make test` would only repeat the same runs.
pytestmark = pytest.mark.skipif(
    "COMMENTMOD_TEST_POSTGRES" in os.environ,
    reason="the SQLite pass runs the documentation's examples",
)

RUNNABLE_DOCUMENTS = [path for path in documents() if any(e.runs for e in examples(path))]


def check(run: DocumentRun) -> None:
    failures = []
    for outcome in run.outcomes:
        for problem in outcome.problems():
            failures.append(f"{outcome.example.where}: {problem}\n{outcome.output[-2000:]}")
    assert not failures, "\n\n".join(failures) + f"\n\nscript output:\n{run.log[-2000:]}"
    # Nothing unmarked is left out, and every marked-off example really was skipped.
    assert all(o.ran == o.example.runs for o in run.outcomes)


@pytest.mark.parametrize(
    "path",
    [p for p in RUNNABLE_DOCUMENTS if p.name != "README.md"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_document_examples_run(path: Path, tmp_path: Path, models_cache: Path) -> None:
    run = run_document(examples(path), tmp_path / "clone", models_cache)
    try:
        check(run)
    finally:
        run.server.stop()


@pytest.fixture(scope="module")
def readme(tmp_path_factory: pytest.TempPathFactory, models_cache: Path) -> Iterator[DocumentRun]:
    workdir = tmp_path_factory.mktemp("readme") / "clone"
    run = run_document(examples(ROOT / "README.md"), workdir, models_cache)
    yield run
    run.server.stop()


def test_readme_examples_run(readme: DocumentRun) -> None:
    check(readme)


def _gql(run: DocumentRun, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{run.server.base}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_readme_walkthrough_does_what_it_says(readme: DocumentRun) -> None:
    """The walkthrough's comments ended as it tells: the civil one published, the
    toxic one held by the system for TOXICITY, then rejected by the moderator."""
    check(readme)
    moderator = readme.command("token", "--user", "checker", "--name", "C", "--role", "moderator")
    fields = """id body status article { slug }
                moderation { reasons { code } history { status moderator { id } } }"""

    def ann_in(queue: str) -> list[dict[str, Any]]:
        query = (
            "query($q: ModerationQueue!) { moderationQueue(queue: $q, first: 100) {"
            f" edges {{ node {{ {fields} author {{ id }} }} }} }} }}"
        )
        edges = _gql(readme, moderator, query, q=queue)["moderationQueue"]["edges"]
        return [e["node"] for e in edges if e["node"]["author"]["id"] == "ann"]

    approved, rejected = ann_in("APPROVED"), ann_in("REJECTED")
    assert len(approved) == 1 and len(rejected) == 1, (approved, rejected)
    assert not ann_in("PENDING")
    civil, toxic = approved[0], rejected[0]
    assert [h["status"] for h in civil["moderation"]["history"]] == ["APPROVED"]
    # Held by the system for toxicity, then rejected by the walkthrough's moderator.
    assert "TOXICITY" in {r["code"] for r in toxic["moderation"]["reasons"]}
    history = toxic["moderation"]["history"]
    assert [h["status"] for h in history] == ["PENDING", "REJECTED"]
    assert history[0]["moderator"] is None and history[1]["moderator"] == {"id": "mo"}

    # What readers see: the civil comment, never the rejected one.
    slug = civil["article"]["slug"]
    assert toxic["article"]["slug"] == slug
    thread = _gql(
        readme,
        None,
        "query($s: String!) { article(slug: $s) { comments(first: 100) { edges { node { id } } } } }",
        s=slug,
    )["article"]["comments"]["edges"]
    visible = {edge["node"]["id"] for edge in thread}
    assert civil["id"] in visible and toxic["id"] not in visible


def test_every_runnable_document_is_covered() -> None:
    """Documents with examples are run; a document whose examples are all marked off
    has only examples that cannot run (each with its reason)."""
    for path in documents():
        found: list[Example] = examples(path)
        for example in found:
            if not example.runs:
                assert example.markers["not-run"], f"{example.where}: not-run needs a reason"
    assert ROOT / "README.md" in RUNNABLE_DOCUMENTS
