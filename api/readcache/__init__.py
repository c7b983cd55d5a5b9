"""The read-cache wing: public reads answered from serialised responses (`publicread`),
which documents may be shared (`cacheability`), the response cache and its entries
(`responsecache`, `entries`), persisted queries (`persisted`), and the cache of
moderation policy rows (`policies`). Responses are dropped by live events through
their tags (`api.live.tags`). It may import `api.graphql` (it executes documents on
the schema), `api.live`, `api.runtime`, `api.http` (not `api.http.app`), `models/`
and `moderation/`; never `api.services`, `api.cli` or `api.perspective`.
"""
