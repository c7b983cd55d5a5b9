"""Every error leaves with a stable code; unexpected ones leave without internals."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import MaskErrors

from api.http.errors import AppError

logger = logging.getLogger("commentmod.errors")

# graphql-core's "Did you mean 'x'?" hints, in validation and coercion messages.
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


# Driver messages that mean "cannot reach the database now", not "the query is wrong".
UNREACHABLE = (
    "unable to open database file",
    "database is locked",
    "could not connect",
    "connection refused",
    "connection was closed",
    "server closed the connection",
    "terminating connection",
    "the database system is",
    "too many connections",
)


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout | ConnectionError | OSError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    message = str(exc).lower()
    return isinstance(exc, OperationalError) and any(text in message for text in UNREACHABLE)


class ErrorCodes(MaskErrors):
    """Adds extensions.code to errors that lack one and masks unexpected ones."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._process(error) for error in errors]

    def _process(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, AppError) or (error.extensions or {}).get("code"):
            return error
        if original is None or isinstance(original, GraphQLError) or error.path is None:
            # Parse, validation and coercion errors (limits included): the request is wrong.
            message = error.message
            if self._production():
                # No field suggestions in production: they map the schema for a stranger.
                message = SUGGESTION.sub("", message)
            return self._with(error, message, {"code": "BAD_USER_INPUT"})
        request_id = getattr(self.execution_context.context, "request_id", None)
        if _is_unavailable(original):
            logger.warning("database unavailable (request %s): %s", request_id, original)
            return self._with(
                error,
                "the service is temporarily unavailable; try again shortly",
                {"code": "UNAVAILABLE", "requestId": request_id},
            )
        logger.error("unexpected error (request %s)", request_id, exc_info=original)
        return self._with(
            error,
            "internal error; quote the request id when reporting it",
            {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )

    def _production(self) -> bool:
        runtime = getattr(self.execution_context.context, "runtime", None)
        return bool(runtime is not None and runtime.settings.production)

    @staticmethod
    def _with(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
