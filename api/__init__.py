"""The face of commentmod: the Starlette app, the GraphQL schema and the CLI."""
