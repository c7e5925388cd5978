"""Condition trees in negation normal form: `all`/`any` groups over leaf comparisons, with `not`
pushed down onto the leaves. Both the compiler and the reasons read this one form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from engine.domain.profile_space import Value
from schemas.rule import AllOf, AnyOf, Condition, FieldCondition, NotOf, Shared, When


@dataclass(frozen=True)
class Leaf:
    """`field` is (positive) or is not (negative) one of `values`."""

    field: str
    values: tuple[Value, ...]
    positive: bool

    @property
    def operator(self) -> Literal["is", "is_not", "in", "not_in"]:
        if len(self.values) == 1:
            return "is" if self.positive else "is_not"
        return "in" if self.positive else "not_in"

    def holds_for(self, value: Value) -> bool:
        """Used for per-condition reasons only; durable-rules decides whether a rule fires."""
        return (value in self.values) == self.positive


@dataclass(frozen=True)
class Group:
    kind: Literal["all", "any"]
    items: tuple[Node, ...]


Node = Leaf | Group
ALWAYS = Group("all", ())
"""The condition of an `always` rule: an empty conjunction."""


Resolve = Callable[[str], Condition]
"""Looks up a shared condition by name (`{use: name}`)."""


def _unresolved(name: str) -> Condition:
    raise ValueError(f"no shared conditions to resolve `use: {name}`")


def normalise(
    condition: When | None, *, resolve: Resolve = _unresolved, negate: bool = False
) -> Node:
    """The condition in negation normal form, shared conditions (`use`) replaced by theirs."""
    if condition is None or condition == "always":
        return ALWAYS
    if isinstance(condition, FieldCondition):
        return Leaf(condition.field, condition.values, condition.positive != negate)
    if isinstance(condition, Shared):
        return normalise(resolve(condition.use), resolve=resolve, negate=negate)
    if isinstance(condition, NotOf):
        return normalise(condition.not_, resolve=resolve, negate=not negate)
    if isinstance(condition, AllOf | AnyOf):
        children: tuple[Condition, ...] = (
            condition.all if isinstance(condition, AllOf) else condition.any
        )
        is_all = isinstance(condition, AllOf) != negate  # De Morgan
        return Group(
            "all" if is_all else "any",
            tuple(normalise(c, resolve=resolve, negate=negate) for c in children),
        )
    raise TypeError(f"not a condition: {condition!r}")


def leaves(node: Node) -> tuple[Leaf, ...]:
    if isinstance(node, Leaf):
        return (node,)
    return tuple(leaf for item in node.items for leaf in leaves(item))


def fields_of(node: Node) -> frozenset[str]:
    return frozenset(leaf.field for leaf in leaves(node))
