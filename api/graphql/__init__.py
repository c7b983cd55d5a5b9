"""The GraphQL schema: types, resolvers, permissions."""
