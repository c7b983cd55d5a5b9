"""Expected errors, each with a stable code that clients switch on."""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        # graphql-core copies an original error's `extensions` onto the GraphQL error.
        self.extensions: dict[str, Any] = {"code": self.code, **extensions}


class Unauthenticated(AppError):
    code = "UNAUTHENTICATED"


class Forbidden(AppError):
    code = "FORBIDDEN"


class NotFound(AppError):
    code = "NOT_FOUND"


class BadUserInput(AppError):
    code = "BAD_USER_INPUT"


class CommentsClosed(AppError):
    code = "COMMENTS_CLOSED"


class Conflict(AppError):
    code = "CONFLICT"


class RateLimited(AppError):
    code = "RATE_LIMITED"


class Unavailable(AppError):
    code = "UNAVAILABLE"
