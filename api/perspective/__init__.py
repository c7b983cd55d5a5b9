"""The Perspective wing: Google's Perspective API protocol served from our own scorer.
`protocol` parses and validates requests and shapes errors, `endpoint` answers
comments:analyze and comments:suggestscore, `routes` mounts them and hides API keys
from access logs. It may import `api.services`, `api.runtime`, `api.http` (not
`api.http.app`), `models/` and `moderation/`; nothing of `api.graphql`.
"""
