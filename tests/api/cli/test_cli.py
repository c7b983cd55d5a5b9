"""The commentmod command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli.main import cli
from api.graphql.schema import schema
from api.http.auth import InvalidToken, Role, verify_token
from api.http.config import Config
from tests.support.constants import SHARED

REPO = Path(__file__).resolve().parents[3]
# README's import example, shipped with the project (text written for it).
EXAMPLES = [
    REPO / "docs" / "examples" / "harbour-ferry-timetable.txt",
    REPO / "docs" / "examples" / "articles.jsonl",
]
SAMPLE = SHARED / "samples" / "000_42ce32c39bf693e7.txt"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh working directory with the embedded defaults (no secret set)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("COMMENTMOD_"):
            monkeypatch.delenv(name)
    return {"COMMENTMOD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/var/commentmod.db"}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from api.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_token_prints_only_a_token_that_serve_accepts(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["token", "--user", "u1", "--name", "Ann", "--role", "moderator", "--ttl", "60"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert result.output == token + "\n" and token.count(".") == 2
    # The generated secret sits beside the database, readable by its owner only.
    secret_file = tmp_path / "var" / "jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = Config(database_url=env["COMMENTMOD_DATABASE_URL"]).resolve_jwt_secret()
    identity = verify_token(secret, token)
    assert (identity.user_id, identity.name, identity.role) == ("u1", "Ann", Role.MODERATOR)


def test_token_carries_the_configured_issuer_and_audience(env: dict[str, str]) -> None:
    env = {
        **env,
        "COMMENTMOD_JWT_ISSUER": "https://id.example.org",
        "COMMENTMOD_JWT_AUDIENCE": "comments",
    }
    result = CliRunner().invoke(cli, ["token", "--user", "u1", "--name", "Ann"], env=env)
    assert result.exit_code == 0, result.output
    secret = Config(database_url=env["COMMENTMOD_DATABASE_URL"]).resolve_jwt_secret()
    token = result.output.strip()
    identity = verify_token(secret, token, issuer="https://id.example.org", audience="comments")
    assert identity.user_id == "u1"
    with pytest.raises(InvalidToken):
        verify_token(secret, token, issuer="https://id.example.org", audience="elsewhere")


def test_token_rejects_unknown_role(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["token", "--user", "u", "--name", "N", "--role", "king"], env=env
    )
    assert result.exit_code != 0 and "king" in result.output


def test_export_schema_prints_the_sdl(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["export-schema"], env=env)
    assert result.exit_code == 0
    assert result.output.strip() == schema.as_str().strip()


def test_import_the_shipped_examples_then_again(env: dict[str, str], tmp_path: Path) -> None:
    # The shared samples too, where they lie beside this checkout.
    files = [*EXAMPLES, *([SAMPLE] if SAMPLE.exists() else [])]
    result = run("import-articles", *map(str, files), env=env)
    assert result.returncode == 0, result.stderr
    assert f"{len(files) + 1} created" in result.stdout
    again = run("import-articles", *map(str, files), env=env)
    assert again.returncode == 0, again.stderr
    assert f"{len(files) + 1} updated" in again.stdout

    import sqlite3

    db = sqlite3.connect(tmp_path / "var" / "commentmod.db")
    rows = {
        slug: (title, language)
        for slug, title, language in db.execute("SELECT slug, title, language FROM articles")
    }
    assert rows["harbour-ferry-timetable"] == (
        "Harbour ferry adds an early crossing for commuters",
        "en",
    )
    assert rows["library-late-opening"][1] == "en" and rows["maktaba-tamdid"][1] == "ar"
    assert len(rows) == len(files) + 1


def test_import_jsonl_and_text_then_read_over_graphql(env: dict[str, str], tmp_path: Path) -> None:
    lines = [
        {"slug": "first", "title": "First", "body": "One.", "url": "https://x.example/1"},
        {
            "slug": "second",
            "title": "Second",
            "body": "Two.",
            "language": "fr",
            "published_at": "2026-11-01T10:00:00+00:00",
        },
    ]
    jsonl = tmp_path / "articles.jsonl"
    jsonl.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    text = tmp_path / "Local News_2026.txt"
    text.write_text("\n\n  Local headline  \nFirst paragraph.\n\nSecond paragraph.\n")
    result = run("import-articles", str(jsonl), str(text), env=env)
    assert result.returncode == 0, result.stderr
    assert "3 created" in result.stdout

    import sqlite3

    db = sqlite3.connect(tmp_path / "var" / "commentmod.db")
    rows = dict(db.execute("SELECT slug, title FROM articles").fetchall())
    assert rows == {"first": "First", "second": "Second", "local-news_2026": "Local headline"}
    (body,) = db.execute("SELECT body FROM articles WHERE slug = 'local-news_2026'").fetchone()
    assert body == "First paragraph.\n\nSecond paragraph."
    (language,) = db.execute("SELECT language FROM articles WHERE slug = 'second'").fetchone()
    assert language == "fr"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"slug": "ok", "title": "T", "body": "B"}\n{not json}\n',
            "articles.jsonl:2: not valid JSON",
        ),
        ('{"slug": "ok", "title": "T"}\n', "'body' is required"),
        ('{"slug": "Bad Slug", "title": "T", "body": "B"}\n', "articles.jsonl:1: slug must be"),
        ('{"slug": "ok", "title": "T", "body": "B", "colour": "red"}\n', "unknown field(s) colour"),
        ('{"slug": "ok", "title": "T", "body": "B", "published_at": "yesterday"}\n', "ISO 8601"),
    ],
)
def test_import_refuses_bad_files_and_writes_nothing(
    env: dict[str, str], tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "articles.jsonl"
    bad.write_text(content)
    good = tmp_path / "good.txt"
    good.write_text("Title\nBody")
    result = CliRunner().invoke(cli, ["import-articles", str(good), str(bad)], env=env)
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "var" / "commentmod.db").exists()


def test_import_refuses_empty_text_file(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    result = CliRunner().invoke(cli, ["import-articles", str(empty)], env=env)
    assert result.exit_code == 1 and "empty" in result.output


def test_db_upgrade_and_current(env: dict[str, str]) -> None:
    upgraded = run("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run("db", "current", env=env)
    lines = current.stdout.splitlines()
    assert lines[0] == lines[1].replace("head", "current")


def test_unreachable_database_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    result = run("db", "upgrade", "--database-url", f"sqlite+aiosqlite:///{tmp_path}", env=env)
    assert result.returncode == 1
    assert "cannot use the database" in result.stderr and "Traceback" not in result.stderr
