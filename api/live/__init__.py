"""The live wing: event types (`events`), the in-process and Redis buses (`bus`,
`redisbus`), the events a change to a comment publishes (`changes`), and the cache
tags an event makes stale (`tags`). Services publish after commit; subscriptions and
the read cache listen. It is the bottom of `api/`: it imports nothing else from
`api/`, only `models/` (for table constants).
"""
