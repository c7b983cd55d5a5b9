"""A real OTLP/HTTP trace receiver for tests: an HTTP server in a thread that decodes
each export (protobuf, as the SDK's exporter sends it) and keeps the spans' names and
trace ids."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.servers import free_port

Span = tuple[str, str]  # (name, trace id in hex)


class SpanSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.spans: list[Span] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> SpanSink:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                export = ExportTraceServiceRequest.FromString(body)
                with sink.lock:
                    for resource in export.resource_spans:
                        for scope in resource.scope_spans:
                            sink.spans.extend((s.name, s.trace_id.hex()) for s in scope.spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def received(self) -> list[Span]:
        with self.lock:
            return list(self.spans)

    def wait_for(self, done: Callable[[list[Span]], bool], timeout: float = 30.0) -> list[Span]:
        deadline = time.monotonic() + timeout
        while not done(spans := self.received()):
            if time.monotonic() > deadline:
                raise AssertionError(f"spans still missing after {timeout} s: {spans}")
            time.sleep(0.05)
        return spans

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
