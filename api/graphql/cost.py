"""A query's cost: how many objects its answer may hold, known before execution.

The model is GitHub's node limit, made to fit this schema:

- a connection field (one with a `first` argument) multiplies what is under its lists
  (`edges`, `nodes`) by its page size: `first` as sent, the variable's value, the
  variable's default or the argument's default, capped at the server's MAX_PAGE as the
  resolvers cap it;
- every field that returns objects costs one per object it may return, that is the
  product of the page sizes of the connections around it; the connection, edge and
  page-info wrappers themselves cost nothing (they hold the same nodes);
- a list without paging (scores, reports, history...) is assumed to hold LIST_ITEMS;
- scalars cost nothing; aliases are each counted; fragments are expanded (both
  branches of a type condition counted) and @include/@skip are ignored, so the figure
  is an upper bound.

Variables change the cost, so a document is compiled once (`compile_cost`, cached by
the caller with the validated document) into a small tree of terms whose page sizes
may name variables, and the tree is evaluated for each request's variables: a walk
over the document's object fields, without the AST.

For scale: the reader page's article query costs about 1,000; the console's queue
query about 1,200; a 100-comment moderation queue with every detail 3,500; 30 aliases
of `article { comments(first: 100) { ... author article } }` about 7,700.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)

from api.graphql.types.connection import DEFAULT_PAGE, MAX_PAGE

# What a list without paging is assumed to hold.
LIST_ITEMS = 5
# Types that wrap a connection's nodes and cost nothing themselves.
WRAPPER_SUFFIXES = ("Connection", "Edge")
WRAPPERS = frozenset({"PageInfo"})


@dataclass(frozen=True, slots=True)
class Page:
    """A page size: a constant, or a variable with what to use when it is absent."""

    constant: int | None
    variable: str | None = None
    fallback: int = DEFAULT_PAGE

    def size(self, variables: Mapping[str, Any]) -> int:
        if self.variable is None:
            value: Any = self.constant
        else:
            value = variables.get(self.variable, self.fallback)
        if value is None:
            value = DEFAULT_PAGE  # first: null means the default page
        if isinstance(value, bool) or not isinstance(value, int):
            return DEFAULT_PAGE  # coercion refuses it before anything runs
        return max(0, min(value, MAX_PAGE))


@dataclass(frozen=True, slots=True)
class Term:
    """One field: how many of its objects come per object of its parent (`factor`),
    whether each costs one (`charged`), and the fields under it."""

    factor: Page | int
    charged: bool
    children: tuple[Term, ...]

    def cost(self, variables: Mapping[str, Any], outer: int) -> int:
        factor = self.factor if isinstance(self.factor, int) else self.factor.size(variables)
        count = outer * factor
        total = count if self.charged else 0
        for child in self.children:
            total += child.cost(variables, count)
        return total


@dataclass(frozen=True, slots=True)
class CostPlan:
    """A compiled operation: evaluate it with `cost(variables)`."""

    terms: tuple[Term, ...]

    def cost(self, variables: Mapping[str, Any] | None) -> int:
        given = variables if isinstance(variables, Mapping) else {}
        return sum(term.cost(given, 1) for term in self.terms)


def compile_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> CostPlan | None:
    """The cost plan of the operation a request selects; None when it selects none
    (validation or operation selection report that)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            defaults[definition.variable.name.value] = value_from_ast_untyped(
                definition.default_value
            )
    # A subscription's cost is that of one event's payload.
    compiler = _Compiler(schema, fragments, defaults)
    return CostPlan(compiler.selections(operation.selection_set, root, page=None))


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        defaults: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.defaults = defaults

    def selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLOutputType,
        page: Page | None,
        seen: frozenset[str] = frozenset(),
    ) -> tuple[Term, ...]:
        """The terms of a selection set on `parent`; `page` is the page size of the
        connection `parent` belongs to, for its lists."""
        if selection_set is None:
            return ()
        terms: list[Term] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                term = self.field(selection, parent, page)
                if term is not None:
                    terms.append(term)
            elif isinstance(selection, InlineFragmentNode):
                terms.extend(self.selections(selection.selection_set, parent, page, seen))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    terms.extend(
                        self.selections(fragment.selection_set, parent, page, seen | {name})
                    )
        return tuple(terms)

    def field(self, node: FieldNode, parent: GraphQLOutputType, page: Page | None) -> Term | None:
        definition = _field(parent, node.name.value)
        if definition is None:
            return None  # __typename, or a field validation refuses
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return None
        own_page = self.page(node, definition) if "first" in definition.args else None
        factor: Page | int = 1
        if _is_list(definition.type):
            factor = page if page is not None else LIST_ITEMS
        wrapper = named.name in WRAPPERS or named.name.endswith(WRAPPER_SUFFIXES)
        # The lists of a connection's object take its page size; the edge's node is one
        # per edge, so an edge passes no page on.
        children = self.selections(node.selection_set, named, own_page)
        return Term(factor, not wrapper, children)

    def page(self, node: FieldNode, definition: GraphQLField) -> Page:
        argument_default = definition.args["first"].default_value
        fallback = argument_default if isinstance(argument_default, int) else DEFAULT_PAGE
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return Page(int(value.value))
            if isinstance(value, NullValueNode):
                return Page(None)
            if isinstance(value, VariableNode):
                name = value.name.value
                given = self.defaults.get(name, fallback)
                return Page(None, name, given if isinstance(given, int) else DEFAULT_PAGE)
            return Page(None)  # not an Int: validation refuses it
        return Page(fallback)


def _field(parent: GraphQLOutputType, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None  # a union: only __typename is selected on it directly


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        return is_list_type(type_.of_type)
    return isinstance(type_, GraphQLList)
