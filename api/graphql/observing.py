"""A schema extension that tells the request's metrics and logs which operation ran,
and wraps its execution in a span when tracing is on."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from api.observability import tracing
from api.observability.middleware import note_operation


class Observing(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        scope = getattr(request, "scope", None)
        if scope is not None and scope.get("type") == "http":
            note_operation(scope, context.operation_name)
        if not tracing.active():
            yield
            return
        operation = context.operation_type.value if context.operation_type else "operation"
        with tracing.span(
            f"graphql {operation} {context.operation_name or 'anonymous'}",
            **{"graphql.operation.name": context.operation_name or ""},
        ):
            yield
