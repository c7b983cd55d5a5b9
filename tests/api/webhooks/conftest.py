"""Webhook tests: a receiving server, and an app whose worker looks often and retries fast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.http.config import Config
from tests.support.client import make_settings
from tests.support.receiver import Receiver

SECRET = "test-webhook-secret-0123456789"


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(
        database_url,
        webhook_poll_interval=0.05,
        webhook_backoff_base=0.05,
        webhook_backoff_max=0.2,
        webhook_timeout=2.0,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET).start()
    yield receiver
    receiver.stop()
