"""Constants the tests share: sample texts, GraphQL documents, where the services run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"

# Set (as `make test` does for its second run) to run the whole suite on PostgreSQL.
POSTGRES = os.environ.get("COMMENTMOD_TEST_POSTGRES")

# A comment every scorer approves, and one every scorer holds.
CLEAN = "Thanks for the clear reporting on the bridge repairs."
TOXIC = "fuck you, you stupid idiot"

APPROVE = """mutation($i: ModerateCommentInput!) {
  approveComment(input: $i) { comment { id status version } } }"""
REJECT = """mutation($i: ModerateCommentInput!) {
  rejectComment(input: $i) { comment { id status version } } }"""
REPORT = """mutation($i: ReportCommentInput!) {
  reportComment(input: $i) { comment { id } } }"""

REDIS_URL = os.environ.get("COMMENTMOD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        return False
    return True


needs_redis = pytest.mark.skipif(not redis_available(), reason=f"no Redis at {REDIS_URL}")
