"""Real `commentmod serve` processes for tests that need the whole server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    workdir: Path, env: dict[str, str] | None = None, *args: str, timeout: float = 180
) -> Server:
    """Start `commentmod serve` in workdir and wait until /healthz answers 200."""
    # No COMMENTMOD_* settings of the outer environment, and no proxies: it is all loopback.
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMMENTMOD_") and "proxy" not in k.lower()
    }
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


class Proxy:
    """A TCP forwarder (in front of PostgreSQL, Redis) that a test can cut and restore."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self.pipes -= {writer, up_writer}


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
