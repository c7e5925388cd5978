"""Modal compilation: what a condition *must* do and *may* do when some facts are unknown.

The enumeration path asks durable-rules about every completion of a profile's unknown facts, so
its cost doubles with each unknown yes/no fact. Here each condition is compiled into forms that
durable-rules evaluates on ONE fact in which every unknown field carries `SENTINEL`:
- `must`: the condition holds in every completion;
- `may`: the condition holds in some completion;
- `sensitivity` of a leaf: some completion of the *other* unknown fields makes the condition's
  truth follow that leaf (every `all` sibling on its path can hold, every `any` sibling can fail).

These forms are exact when no field occurs in two leaves of the tree ("read-once"): siblings then
depend on disjoint unknown fields, so each can be chosen independently. The evaluator
(`engine/reasoning/modal.py`) fixes any repeated field to each of its values before asking.

Every form is OR-free at the leaves (a leaf becomes `$neq` tests, or one equality), so the
expressions are no larger for durable-rules than the enumeration path's, bar one `$neq` per leaf.
A form is `True`/`False` when the answer does not depend on the fact; those are never registered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.domain.conditions import Group, Leaf, Node, fields_of, leaves
from engine.domain.profile_space import Value
from engine.matching.compiler import encode_value

Expression = dict[str, Any]
Form = Expression | bool
"""A compiled form: a durable-rules expression, or a constant when it does not depend on facts."""

Domains = Mapping[str, tuple[Value, ...]]


@dataclass(frozen=True)
class Clause:
    """One condition to reason about: a rule's `when` and optional `unless`, or a note's `when`."""

    id: str
    when: Node
    unless: Node | None = None


SENTINEL = "?unknown?"
"""The encoded value of an unknown field. No domain may contain it (see `check_domains`)."""


def check_domains(domains: Domains) -> None:
    """Refuse a domain that could be confused with the sentinel or that is too small to reason on."""
    for name, domain in domains.items():
        if any(encode_value(value) == SENTINEL for value in domain):
            raise ValueError(f"field {name!r} has the reserved value {SENTINEL!r}")
        if not domain:
            raise ValueError(f"field {name!r} has no values")


def encode_box(facts: Mapping[str, Value | None]) -> dict[str, str]:
    """A partly known profile as one durable-rules fact: unknown fields carry `SENTINEL`."""
    return {
        name: SENTINEL if value is None else encode_value(value) for name, value in facts.items()
    }


def is_read_once(node: Node) -> bool:
    """True when no field occurs in two leaves of the tree."""
    fields = [leaf.field for leaf in leaves(node)]
    return len(fields) == len(set(fields))


def repeated_fields(*nodes: Node) -> frozenset[str]:
    """Fields that occur in more than one leaf of the given trees, counted together."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for node in nodes:
        for leaf in leaves(node):
            (repeated if leaf.field in seen else seen).add(leaf.field)
    return frozenset(repeated)


@dataclass(frozen=True)
class Plan:
    """What a conclusion's clauses need enumerated, computed once from their shape."""

    clauses: tuple[Clause, ...]
    enumerated: tuple[str, ...]
    whole: frozenset[str]  # clauses whose `when` repeats a field: all their fields enumerated
    when_fields: Mapping[str, frozenset[str]]
    leaf_of: Mapping[tuple[str, str], tuple[int, Leaf]]  # (clause, field) → its one leaf

    @classmethod
    def of(cls, clauses: Sequence[Clause], domains: Domains) -> Plan:
        whole = frozenset(c.id for c in clauses if not is_read_once(c.when))
        enumerated = set(repeated_fields(*(c.when for c in clauses)))
        for clause in clauses:
            if clause.id in whole:
                enumerated |= fields_of(clause.when)
            if clause.unless is not None:
                enumerated |= repeated_fields(clause.unless)
        leaf_of = {
            (clause.id, leaf.field): (index, leaf)
            for clause in clauses
            if clause.id not in whole
            for index, leaf in enumerate(leaves(clause.when))
        }
        return cls(
            clauses=tuple(clauses),
            enumerated=tuple(f for f in domains if f in enumerated),
            whole=whole,
            when_fields={c.id: fields_of(c.when) for c in clauses},
            leaf_of=leaf_of,
        )


def truth_set(leaf: Leaf, domains: Domains) -> tuple[Value, ...]:
    """The values of the leaf's field for which the leaf holds."""
    domain = domains[leaf.field]
    return tuple(value for value in domain if (value in leaf.values) == leaf.positive)


def must_form(node: Node, domains: Domains) -> Form:
    """Holds in every completion of the unknown fields (exact for a read-once tree)."""
    if isinstance(node, Leaf):
        holding = truth_set(node, domains)
        failing = [v for v in domains[node.field] if v not in holding]
        if not failing:
            return True
        if not holding:
            return False
        if len(holding) == 1:
            return {node.field: encode_value(holding[0])}
        # Known and not a failing value: the sentinel is excluded explicitly.
        return _all_of([_neq(node.field, v) for v in failing] + [_neq(node.field, SENTINEL)])
    return _combine(node.kind, [must_form(item, domains) for item in node.items])


def may_form(node: Node, domains: Domains) -> Form:
    """Holds in some completion of the unknown fields (exact for a read-once tree)."""
    if isinstance(node, Leaf):
        holding = truth_set(node, domains)
        failing = [v for v in domains[node.field] if v not in holding]
        if not holding:
            return False
        if not failing:
            return True
        # Not a failing value: a holding value, or the sentinel.
        return _all_of([_neq(node.field, v) for v in failing])
    return _combine(node.kind, [may_form(item, domains) for item in node.items])


def negate(node: Node) -> Node:
    """The negation, in negation normal form (De Morgan down to the leaves)."""
    if isinstance(node, Leaf):
        return Leaf(node.field, node.values, not node.positive)
    return Group("any" if node.kind == "all" else "all", tuple(negate(i) for i in node.items))


def sensitivity_forms(node: Node, domains: Domains) -> tuple[Form, ...]:
    """For each leaf (in `leaves` order): some completion of the other fields lets that leaf
    alone decide the tree, and the leaf itself can both hold and fail. Exact for a read-once
    tree; the leaf's own field is not referenced."""
    return tuple(_sensitivity(path, domains) for path in _leaf_paths(node, ()))


Path = tuple[tuple[Group, int], ...]
"""The groups from the root down to a leaf, each with the index of the child taken."""


def _leaf_paths(node: Node, path: Path) -> Iterator[tuple[Leaf, Path]]:
    if isinstance(node, Leaf):
        yield node, path
        return
    for index, item in enumerate(node.items):
        yield from _leaf_paths(item, (*path, (node, index)))


def _sensitivity(leaf_and_path: tuple[Leaf, Path], domains: Domains) -> Form:
    leaf, path = leaf_and_path
    holding = truth_set(leaf, domains)
    if not holding or len(holding) == len(domains[leaf.field]):
        return False
    terms: list[Form] = []
    for group, taken in path:
        for index, sibling in enumerate(group.items):
            if index == taken:
                continue
            # An `all` passes the leaf's truth on when every sibling holds; an `any` when
            # every sibling fails.
            terms.append(
                may_form(sibling, domains)
                if group.kind == "all"
                else may_form(negate(sibling), domains)
            )
    return _combine("all", terms)


def _neq(field: str, value: Value) -> Expression:
    return {"$neq": {field: encode_value(value)}}


def _all_of(terms: list[Expression]) -> Expression:
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _combine(kind: str, forms: list[Form]) -> Form:
    """`all`/`any` of forms, folding constants so that no constant reaches durable-rules."""
    absorbing, neutral = (False, True) if kind == "all" else (True, False)
    if any(form is absorbing for form in forms):
        return absorbing
    expressions = [form for form in forms if not isinstance(form, bool)]
    if not expressions:
        return neutral
    if len(expressions) == 1:
        return expressions[0]
    return {"$and" if kind == "all" else "$or": expressions}
