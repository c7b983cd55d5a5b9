"""Fixtures every floor may use: the bundled scorer, and trained learned-scorer models.

Nothing here imports `api/` or a database: `tests/moderation` runs without Starlette,
strawberry or SQLAlchemy (tests/support/isolation.py checks it). The API's fixtures
live in tests/api/conftest.py, the database's in tests/support/database.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from moderation.scorers.registry import LoadedScorer, load_scorer


@pytest.fixture(scope="session")
def linear_scorer() -> LoadedScorer:
    return load_scorer("linear")


@pytest.fixture(scope="session")
def learned_models_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models directory holding the cold-start version, trained once per session."""
    from moderation.learning.encoder import available

    if not available():
        pytest.skip("the learned extra is not installed")
    from moderation.learning.encoder import shared_encoder
    from moderation.learning.store import ModelStore
    from moderation.learning.trainer import Trainer

    root = tmp_path_factory.mktemp("learned") / "models"
    Trainer(ModelStore(root), shared_encoder()).cold_start()
    return root


@pytest.fixture
def learned_models(learned_models_template: Path, tmp_path: Path) -> Path:
    """A copy of the cold-start models directory for one test."""
    target = tmp_path / "models"
    shutil.copytree(learned_models_template, target)
    return target


# The PostgreSQL pass of `make test` repeats what can differ on another database. These
# never open one (tests/support/isolation.py keeps SQLAlchemy out of tests/moderation; the
# documentation's examples run against `make run`'s SQLite server), so the SQLite pass
# alone runs them.
_DATABASE_FREE = [
    Path(__file__).parent / "moderation",
    Path(__file__).parent / "docs",
    Path(__file__).parent / "test_architecture.py",
]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if os.environ.get("COMMENTMOD_TEST_POSTGRES") and any(
        collection_path == p or collection_path.is_relative_to(p) for p in _DATABASE_FREE
    ):
        return True
    return None
