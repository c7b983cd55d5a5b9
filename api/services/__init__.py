"""Service functions: where the database and the moderation pipeline meet."""
