"""Parsed and validated documents, kept per query text.

Clients send the same few documents over and over, and parsing and validating one
costs the event loop more than most resolvers do. A text that fails to parse is never
kept (strawberry parses it again itself, to report it its way). Validation errors are
kept with their document; each request gets its own list, and error processing builds
new errors rather than changing these.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from api.graphql.cost import CostPlan, compile_cost

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_DOCUMENTS = 512


class LRU(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


# Module level: one schema object serves every app in the process, as the caches do.
_parsed: LRU[tuple[str, int | None], DocumentNode] = LRU(MAX_DOCUMENTS)
_validated: LRU[tuple[str, int | None, tuple[type, ...]], tuple[GraphQLError, ...]] = LRU(
    MAX_DOCUMENTS
)
# Cost plans by (text, operation name); a plan is evaluated for each request's variables.
_costs: LRU[tuple[str, str | None], CostPlan] = LRU(MAX_DOCUMENTS)
NO_PLAN = CostPlan(())


class DocumentCache(SchemaExtension):
    """Parse and validate each distinct query text once (per limits in force)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            max_tokens = context.parse_options.get("max_tokens")
            key = (context.query, max_tokens)
            document = _parsed.get(key)
            if document is None:
                try:
                    document = parse(context.query, **context.parse_options)
                except GraphQLError:
                    # Left to strawberry, which parses again and reports it as a request error.
                    document = None
                else:
                    _parsed.put(key, document)
            context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.query and document is not None and context.pre_execution_errors is None:
            rules = tuple(context.validation_rules)
            key = (context.query, context.parse_options.get("max_tokens"), rules)
            errors = _validated.get(key)
            if errors is None:
                errors = tuple(validate_document(context.schema._schema, document, rules))
                _validated.put(key, errors)
            refused = [*errors, *_unnamed_choice(context, document)]
            if not refused:
                refused = _over_cost(context, document)
            context.pre_execution_errors = refused
        yield


def _over_cost(context: ExecutionContext, document: DocumentNode) -> list[GraphQLError]:
    """Refuse, before anything runs, an operation that may answer with more objects than
    COMMENTMOD_MAX_QUERY_COST (api/graphql/cost.py says how they are counted)."""
    settings = getattr(getattr(context.context, "runtime", None), "settings", None)
    if settings is None or context.query is None:
        return []
    name: str | None = getattr(context, "_provided_operation_name", None)
    key = (context.query, name)
    plan = _costs.get(key)
    if plan is None:
        plan = compile_cost(context.schema._schema, document, name) or NO_PLAN
        _costs.put(key, plan)
    cost = plan.cost(context.variables)
    limit: int = settings.max_query_cost
    if cost <= limit:
        return []
    message = (
        f"query too costly: it may return {cost:,} objects, above the limit of {limit:,}; "
        "ask for smaller pages (first) or fewer aliases, or split it"
    )
    extensions = {"code": "BAD_USER_INPUT", "cost": cost, "maxCost": limit}
    return [GraphQLError(message, extensions=extensions)]


def _unnamed_choice(context: ExecutionContext, document: DocumentNode) -> list[GraphQLError]:
    """The spec's GetOperation: a document of several operations needs operationName
    (strawberry would otherwise run the first). Its name as sent is private to
    strawberry's ExecutionContext: the public `operation_name` falls back to the first."""
    if getattr(context, "_provided_operation_name", None) is not None:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) < 2:
        return []
    return [GraphQLError("operationName is required: the document has several operations")]
