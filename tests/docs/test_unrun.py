"""Examples marked not-run still name real commands: each script or module exists,
and each option they pass is one the command's `--help` lists."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.markdown import ROOT, documents, examples
from tests.support.servers import COMMENTMOD

Command = tuple[tuple[str, ...], tuple[str, ...]]  # (how to ask for --help, options used)


def commands(code: str) -> Iterator[Command]:
    """The project's commands in a shell example, with the options each one uses."""
    for line in code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # VAR=value before the command
        if not words:
            continue
        options = tuple(w.split("=")[0] for w in words if w.startswith("--"))
        if words[0] == ".venv/bin/python" and len(words) > 1:
            if words[1] == "-m":
                yield (sys.executable, "-m", words[2]), options
            else:
                yield (sys.executable, words[1]), options
        elif words[0] in {".venv/bin/commentmod", "commentmod"}:
            subcommand = tuple(w for w in words[1:3] if not w.startswith("-") and w.isalpha())
            yield (COMMENTMOD, *subcommand), options


UNRUN = sorted(
    {
        command
        for path in documents()
        for example in examples(path)
        if not example.runs and example.lang in {"sh", "bash", "shell"}
        for command in commands(example.code)
    }
)


@pytest.mark.parametrize("command", UNRUN, ids=lambda c: " ".join(Path(w).name for w in c[0]))
def test_unrun_commands_exist_with_their_options(command: Command) -> None:
    argv, options = command
    done = subprocess.run(
        [*argv, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    unknown = [option for option in options if option not in done.stdout]
    assert not unknown, f"{' '.join(argv)} --help does not list {unknown}"
