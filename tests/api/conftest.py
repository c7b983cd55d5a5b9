"""Fixtures of the API tests: settings, the runtime, and the app behind an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from api.http.config import Config
from api.runtime import Runtime
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api, in_process, make_settings
from tests.support.database import database_url, pg_database, template_db

__all__ = ["database_url", "pg_database", "template_db"]


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(database_url)


@pytest.fixture
def scorer(linear_scorer: LoadedScorer) -> LoadedScorer:
    """The scorer the app uses; tests override this fixture to inject failures."""
    return linear_scorer


@pytest.fixture
async def runtime(settings: Config, scorer: LoadedScorer) -> Runtime:
    return Runtime(settings, scorer=scorer)


@pytest.fixture
async def api(runtime: Runtime) -> AsyncIterator[Api]:
    async with in_process(runtime) as api:
        yield api


@pytest.fixture
def tokens(api: Api) -> Callable[..., str]:
    return api.token
