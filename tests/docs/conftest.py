"""Fixtures of the documentation tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def models_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the first documentation server's learned model versions are kept for the
    next ones (it does not exist until then)."""
    return tmp_path_factory.mktemp("docs-models") / "models"
