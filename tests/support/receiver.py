"""A real webhook receiver for tests and bench/webhooks.py: an HTTP server in a thread
that checks every POST's signature and counts events by id. It can answer 503 (`fail`),
or stop listening altogether and start again on the same port."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from api.webhooks.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.support.servers import free_port


class Receiver:
    def __init__(self, secret: str, port: int | None = None) -> None:
        self.secret = secret
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.fail = False
        self.events: list[dict[str, Any]] = []
        self.ids: Counter[str] = Counter()
        self.bad: list[str] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                ok = verify(
                    receiver.secret,
                    body,
                    self.headers.get(TIMESTAMP_HEADER, ""),
                    self.headers.get(SIGNATURE_HEADER, ""),
                )
                event = json.loads(body) if ok else {}
                with receiver.lock:
                    if not ok or event.get("id") != self.headers.get(EVENT_ID_HEADER):
                        receiver.bad.append(body.decode(errors="replace"))
                    else:
                        receiver.events.append(event)
                        receiver.ids[event["id"]] += 1
                self.send_response(200 if ok else 401)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until start() again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def kinds(self) -> list[str]:
        with self.lock:
            return [event["kind"] for event in self.events]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Wait until `count` distinct events arrived; all events received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.ids) >= count:
                    return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.ids)} of {count} events arrived: {self.kinds()}")

    async def arrived(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """wait_for, for tests whose app (and its worker) runs on the same event loop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.ids) >= count:
                    return list(self.events)
            await asyncio.sleep(0.02)
        raise AssertionError(f"{len(self.ids)} of {count} events arrived: {self.kinds()}")
