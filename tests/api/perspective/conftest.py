from __future__ import annotations

import pytest

from tests.support.perspective import make_key


@pytest.fixture
def key(database_url: str) -> str:
    return make_key(database_url, "coral")
