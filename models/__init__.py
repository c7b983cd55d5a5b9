"""The memory floor: SQLModel tables, the database, and data-access functions."""
