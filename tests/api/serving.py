"""Real `commentmod serve` processes for the tests that need more than one."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import COMMENTMOD, free_port


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


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@contextmanager
def serving(cwd: Path, env: dict[str, str], *args: str) -> Iterator[Server]:
    """Start `commentmod serve` in `cwd`; yields it once /healthz answers."""
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [COMMENTMOD, "serve", "--port", str(port), *args],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise AssertionError(log_path.read_text())
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("server did not become healthy")
                time.sleep(0.1)
            server = Server(base, process)
            yield server
        finally:
            Server(base, process).stop()
