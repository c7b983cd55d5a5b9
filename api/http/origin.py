"""The origin (scheme://host[:port]) a client used to reach this server.

Behind a reverse proxy the socket says http://127.0.0.1:8000 while the client typed
https://comments.example.org; the proxy says so in X-Forwarded-Proto and
X-Forwarded-Host. Those headers are believed only from a peer listed in
COMMENTMOD_TRUSTED_PROXIES (anyone else could send them to point a generated URL, such
as a discovery document's rootUrl, at a host of their choosing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from api.http.ratelimit import Networks, trusted

# A host name or address with an optional port: nothing that could leave the authority.
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")


def _first(value: str | None) -> str | None:
    """The client's own hop: a chain of proxies appends, so the left-most entry."""
    if not value:
        return None
    first = value.split(",")[0].strip()
    return first or None


def public_origin(
    scheme: str, host: str, peer: str | None, headers: Mapping[str, str], proxies: Networks
) -> str:
    """scheme and host are what the request itself says (the Host header)."""
    if peer is not None and trusted(peer, proxies):
        proto = (_first(headers.get("x-forwarded-proto")) or "").lower()
        if proto in {"http", "https"}:
            scheme = proto
        forwarded_host = _first(headers.get("x-forwarded-host"))
        if forwarded_host and _HOST.match(forwarded_host):
            host = forwarded_host
    if not _HOST.match(host):
        host = "localhost"
    return f"{scheme}://{host}"
