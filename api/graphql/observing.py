"""A schema extension that tells the request's metrics which operation ran."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from api.observability.middleware import note_operation


class Observing(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        scope = getattr(request, "scope", None)
        if scope is not None and scope.get("type") == "http":
            note_operation(scope, context.operation_name)
        yield
