"""A pytest plugin that refuses the web stack, the database and `api/`/`models/`.

`pytest -p tests.support.isolation tests/moderation` shows that the judgement floor
imports and passes without Starlette, strawberry, SQLAlchemy or the other floors:
any import of them fails the test that makes it, as if they were not installed.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

BLOCKED = frozenset({"starlette", "strawberry", "sqlalchemy", "sqlmodel", "api", "models"})


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{fullname} is blocked by tests.support.isolation")
        return None


already = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
if already:
    raise RuntimeError(f"imported before isolation could block them: {already}")
sys.meta_path.insert(0, Refuse())
