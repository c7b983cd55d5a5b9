"""Real `commentmod serve` processes for tests that need the whole server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

COMMENTMOD = shutil.which("commentmod", path=str(Path(sys.executable).parent)) or "commentmod"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=timeout)


def start_server(
    workdir: Path, env: dict[str, str] | None = None, *args: str, timeout: float = 60
) -> Server:
    """Start `commentmod serve` in workdir and wait until /healthz answers 200."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
    # Tests post fast from one address; the rate-limit tests turn limits on themselves.
    base_env["COMMENTMOD_RATE_LIMITS"] = "off"
    port = free_port()
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [COMMENTMOD, "serve", "--port", str(port), *args],
            cwd=workdir,
            env={**base_env, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{server.output()}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"server did not become healthy:\n{server.output()}")
