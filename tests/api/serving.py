"""The CLI and `commentmod serve` as subprocesses, in a clean environment."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import COMMENTMOD, Server, start_server


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without COMMENTMOD_* settings or proxies, plus the given settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMMENTMOD_") and "proxy" not in k.lower()
    }
    # Tests post fast from one address; the rate-limit tests turn limits on themselves.
    return {**env, "COMMENTMOD_RATE_LIMITS": "off", **settings}


def commentmod(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [COMMENTMOD, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@contextmanager
def serving(cwd: Path, env: dict[str, str], *args: str) -> Iterator[Server]:
    """Start `commentmod serve` in `cwd`; yields it once /healthz answers."""
    server = start_server(cwd, env, *args)
    try:
        yield server
    finally:
        server.stop()
