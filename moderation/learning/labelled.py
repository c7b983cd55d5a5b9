"""A site's own labelled comments, for `commentmod evaluate FILE`.

CSV with a header, or JSON Lines (`.jsonl`/`.ndjson`, or any file whose first
non-blank character is `{`). Columns / keys: `text`; `label`, the toxicity truth;
optionally one column per other label (`insult`, `threat`, ...), or in JSON Lines a
`labels` object. A truth is 1/0, true/false, yes/no, toxic/not toxic; an empty cell
means "not labelled" for that label.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from moderation.scorers.base import LABELS

TRUE = {"1", "true", "yes", "toxic", "y", "t"}
FALSE = {"0", "false", "no", "not toxic", "non-toxic", "nontoxic", "civil", "n", "f"}


class LabelledFileError(ValueError):
    """The file cannot be evaluated; `code` is stable, the message says where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Row:
    text: str
    labels: dict[str, int]


def _truth(value: object, where: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return 1
    if text in FALSE:
        return 0
    raise LabelledFileError(
        "BAD_LABEL", f"{where}: {value!r} is not a label (use 1/0, toxic/not toxic)"
    )


def _row(data: Mapping[str, object], where: str) -> Row:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelledFileError("MISSING_TEXT", f"{where}: no text")
    labels: dict[str, int] = {}
    nested = data.get("labels")
    values: dict[str, object] = dict(nested) if isinstance(nested, Mapping) else {}
    values.update({k: v for k, v in data.items() if k in LABELS})
    if "label" in data:
        values["toxicity"] = data["label"]
    for name, value in values.items():
        if name not in LABELS:
            raise LabelledFileError("UNKNOWN_LABEL", f"{where}: unknown label {name!r}")
        if (truth := _truth(value, f"{where}, {name}")) is not None:
            labels[name] = truth
    if not labels:
        raise LabelledFileError("MISSING_LABEL", f"{where}: no label")
    return Row(text, labels)


def _json_lines(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelledFileError("BAD_JSON", f"{path}:{number}: {exc.msg}") from None
            if not isinstance(data, dict):
                raise LabelledFileError("BAD_JSON", f"{path}:{number}: not an object")
            yield _row(data, f"{path}:{number}")


def _csv(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if "text" not in fields or not ({"label", *LABELS} & set(fields)):
            raise LabelledFileError(
                "BAD_HEADER", f"{path}: the header needs `text` and `label` (or label names)"
            )
        unknown = [f for f in fields if f not in ("text", "label", *LABELS)]
        if unknown:
            raise LabelledFileError("UNKNOWN_LABEL", f"{path}: unknown columns {unknown}")
        for number, data in enumerate(reader, 2):
            yield _row(data, f"{path}:{number}")


def read(path: Path) -> list[Row]:
    """Every row, or a LabelledFileError naming the first bad one (nothing half-read)."""
    try:
        head = path.read_text(encoding="utf-8")[:4096].lstrip()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledFileError("UNREADABLE", f"{path}: {exc}") from None
    is_json = path.suffix.lower() in (".jsonl", ".ndjson") or head.startswith("{")
    rows = list(_json_lines(path) if is_json else _csv(path))
    if not rows:
        raise LabelledFileError("EMPTY", f"{path}: no rows")
    return rows
