"""The observability wing: what an operator scrapes, reads and traces.
`logs` formats log lines (JSON with COMMENTMOD_LOG_FORMAT=json); `metrics` defines the
Prometheus metrics (multiprocess-aware under `serve --workers N`) and the small functions
the other wings call to record into them; `middleware` is one layer that notes each
request's id for the log lines and, with metrics on, counts and times every request by
GraphQL operation name and status, and the open WebSocket connections; `exposition`
serves /metrics (behind a token) or a separate port.
It is a ground floor like `api.http`'s: it imports only `api.http` (not `app`), so
every wing may record into it; `moderation/` knows nothing of it (the micro-batcher
reports to listeners, which `metrics` provides).
"""
