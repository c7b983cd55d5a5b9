"""Fixtures of the models tests: a migrated database per test."""

from __future__ import annotations

from tests.support.database import database_url, pg_database, template_db

__all__ = ["database_url", "pg_database", "template_db"]
