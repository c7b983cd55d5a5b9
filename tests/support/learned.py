"""Shared helpers for the learned-scorer tests: one cold-start model per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from moderation.learning.encoder import available

needs_learned = pytest.mark.skipif(
    not available(), reason="the learned extra is not installed (pip install '.[learned]')"
)


def copy_models(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target
