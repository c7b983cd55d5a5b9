"""Subscribe to a documented subscription over graphql-transport-ws; exit 1 if refused.

Usage: python subscribe.py WS_URL TOKEN DOCUMENT.json (TOKEN may be empty). The
server validates the document and checks the subscriber's permission before it
sends anything, so a refusal arrives at once; a subscription still quiet after a
second has been accepted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from websockets.sync.client import connect


def main(url: str, token: str, document: Path) -> int:
    payload = {"authorization": f"Bearer {token}"} if token else {}
    with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(socket.recv(timeout=10))
        if ack.get("type") != "connection_ack":
            print(f"no connection_ack: {ack}")
            return 1
        subscribe = {"id": "1", "type": "subscribe", "payload": json.loads(document.read_text())}
        socket.send(json.dumps(subscribe))
        while True:
            try:
                message = json.loads(socket.recv(timeout=1))
            except TimeoutError:
                print("subscribed")
                return 0
            if message.get("type") == "ping":
                socket.send(json.dumps({"type": "pong"}))
                continue
            print(json.dumps(message))
            refused = message.get("type") == "error" or "errors" in message.get("payload", {})
            return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
