"""The HTTP wing: app assembly (`app`), process configuration (`config`), authentication
(`auth`), the error vocabulary (`errors`), the request body limit and the rate limits.
`app` assembles the Starlette application and so may import every wing; the other
modules here are the ground floor of `api/`: they import nothing else from `api/`
(only `models/` and `moderation/`), and every wing may import them.
"""
