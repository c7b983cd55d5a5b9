"""The CLI wing: the `commentmod` command (`main`), one module per command group, each
calling services. Like `api.http.app`, it is an entry point and may import every wing;
no other wing imports it.
"""
