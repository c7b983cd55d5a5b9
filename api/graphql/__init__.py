"""The GraphQL wing: the schema, its types (one a module under `types/`), the query,
mutation and subscription resolvers, permissions (declared once in `permissions`),
the per-request context and DataLoaders, parsed-document caching, limits, and the
HTTP/websocket endpoint (`view`) with its subscription fan-out. Reads go through the
loaders to `models.queries`; writes go through `api.services`. It may import
`api.http` (but not `api.http.app`), `api.live`, `api.runtime`, `api.services`,
`api.readcache` (the endpoint serves public reads from it), `models/` and `moderation/`.
"""
