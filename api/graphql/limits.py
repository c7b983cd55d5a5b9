"""Per-request GraphQL limits, read from the process settings of the serving app.

The validators are strawberry's own (query depth, aliases, tokens); this extension
only picks their limits from the request's runtime, so that one schema object
serves apps with different settings. Production mode adds graphql-core's
no-introspection rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from graphql import ASTValidationRule, GraphQLError, ValidationContext
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

if TYPE_CHECKING:
    from api.http.config import Config


def _empty_selections_refused(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """strawberry's depth count fails (max() of nothing) on an empty selection set such
    as `{}`, which graphql-core's parser lets through; refuse that document plainly."""

    class Checked(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            try:
                super().__init__(context)
            except ValueError:
                ASTValidationRule.__init__(self, context)
                context.report_error(GraphQLError("a selection set must not be empty"))

    return Checked


@cache
def _rules(
    max_depth: int, max_aliases: int, production: bool
) -> tuple[type[ASTValidationRule], ...]:
    rules: list[type[ASTValidationRule]] = [
        _empty_selections_refused(depth_validator(max_depth, None)),
        alias_validator(max_aliases),
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


def validation_rules(settings: Config) -> tuple[type[ASTValidationRule], ...]:
    """The rules this extension adds, for whoever validates a document beforehand."""
    return _rules(settings.max_query_depth, settings.max_aliases, settings.production)


class RequestLimits(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        settings = getattr(getattr(context, "runtime", None), "settings", None)
        if settings is not None:
            self.execution_context.parse_options["max_tokens"] = settings.max_tokens
            self.execution_context.validation_rules = self.execution_context.validation_rules + (
                _rules(settings.max_query_depth, settings.max_aliases, settings.production)
            )
        yield
