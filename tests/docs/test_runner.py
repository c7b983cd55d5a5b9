"""The documentation runner's judgement: what makes an example fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docs.markdown import ROOT, Example, examples
from tests.docs.runner import Outcome, Response

EXAMPLE = ROOT / "README.md"


def outcome(markers: dict[str, str], *responses: Response, ran: bool = True) -> Outcome:
    return Outcome(Example(EXAMPLE, 1, "sh", "true\n", markers), ran, "", list(responses))


def graphql_error(code: str) -> Response:
    body = {"data": None, "errors": [{"message": "no", "extensions": {"code": code}}]}
    return Response(200, json.dumps(body))


OK = Response(200, json.dumps({"data": {"viewer": None}}))


def test_a_clean_run_passes() -> None:
    assert outcome({}, OK, OK).problems() == []


def test_an_example_that_stopped_early_fails() -> None:
    assert outcome({}, OK, ran=False).problems()


def test_graphql_errors_and_http_errors_fail_unless_expected() -> None:
    assert outcome({}, OK, graphql_error("FORBIDDEN")).problems()
    assert outcome({}, Response(500, "Internal Server Error")).problems()
    perspective = Response(400, json.dumps({"error": {"code": 400, "status": "INVALID_ARGUMENT"}}))
    assert outcome({}, perspective).problems()
    assert outcome({"expect-error": "INVALID_ARGUMENT"}, OK, perspective).problems() == []
    # `curl -i` puts the headers before the body.
    with_headers = Response(200, "HTTP/1.1 200 OK\r\nx: y\r\n\r\n" + graphql_error("CONFLICT").body)
    assert outcome({}, with_headers).problems()


def test_an_expected_error_must_happen_and_be_the_only_one() -> None:
    assert outcome({"expect-error": "CONFLICT"}, OK, graphql_error("CONFLICT")).problems() == []
    assert outcome({"expect-error": "CONFLICT"}, OK).problems()
    assert outcome({"expect-error": "CONFLICT"}, graphql_error("FORBIDDEN")).problems()


def test_a_marked_off_example_is_not_judged() -> None:
    assert outcome({"not-run": "serves"}, ran=False).problems() == []


def test_unknown_markers_are_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- not-runn: typo -->\n```sh\ntrue\n```\n")
    with pytest.raises(ValueError, match="unknown example marker"):
        examples(page)
    page.write_text(
        "<!-- expect-error: CONFLICT; as: admin -->\n```graphql\n{ viewer { id } }\n```\n"
    )
    (example,) = examples(page)
    assert example.markers == {"expect-error": "CONFLICT", "as": "admin"} and example.runs
