"""The services wing: the use cases. Each opens its transaction, calls `models/` and
`moderation/`, and publishes live events after commit; resolvers, the Perspective
endpoint and the CLI call them. It may import `api.http` (not `api.http.app`),
`api.live`, `api.runtime`, `models/` and `moderation/`; never `api.graphql`,
`api.readcache`, `api.perspective` or `api.cli`.
"""
