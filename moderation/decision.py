"""The shared vocabulary of a moderation decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    APPROVED = "APPROVED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Status.APPROVED: 0, Status.PENDING: 1, Status.REJECTED: 2}


class ReasonCode(StrEnum):
    TOXICITY = "TOXICITY"
    BANNED_WORD = "BANNED_WORD"
    SUSPECT_WORD = "SUSPECT_WORD"
    LINKS = "LINKS"
    PREMODERATION = "PREMODERATION"
    UNSUPPORTED_LANGUAGE = "UNSUPPORTED_LANGUAGE"
    SCORER_UNAVAILABLE = "SCORER_UNAVAILABLE"
    REPEAT_POST = "REPEAT_POST"
    NEW_COMMENTER = "NEW_COMMENTER"
    USER_PREMODERATED = "USER_PREMODERATED"
    REPORTED = "REPORTED"
    # The site's external moderation endpoint held or rejected it (moderation/external.py).
    EXTERNAL = "EXTERNAL"
    # ...or could not be asked (timeout, error, an answer too large or malformed).
    EXTERNAL_UNAVAILABLE = "EXTERNAL_UNAVAILABLE"


@dataclass(frozen=True)
class Span:
    """Character offsets into the comment body, end exclusive."""

    start: int
    end: int


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    detail: str | None = None
    spans: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "detail": self.detail,
            "spans": [[s.start, s.end] for s in self.spans],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Reason:
        raw_spans = data.get("spans") or []
        assert isinstance(raw_spans, list)
        detail = data.get("detail")
        return cls(
            code=ReasonCode(str(data["code"])),
            detail=None if detail is None else str(detail),
            spans=tuple(Span(int(s[0]), int(s[1])) for s in raw_spans),
        )


@dataclass(frozen=True)
class Outcome:
    """What one phase concluded: a status it insists on (or None) and its reasons."""

    status: Status | None = None
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Decision:
    status: Status
    reasons: tuple[Reason, ...]
    scores: dict[str, float] = field(default_factory=dict)
    model: str = ""
    language: str | None = None

    @property
    def max_score(self) -> float:
        return max(self.scores.values(), default=0.0)
