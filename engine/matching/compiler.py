"""Compilation of rule conditions into durable-rules match expressions (plain JSON data).

Facts carry every value as a string (`"true"`/`"false"` for yes/no facts), because durable-rules
coerces loosely (`true == 1 == "true"`); one encoding on both sides keeps comparisons exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.domain.conditions import Leaf, Node
from engine.domain.profile_space import Value

Expression = dict[str, Any]


def encode_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def encode_fact(facts: Mapping[str, Value]) -> dict[str, str]:
    return {name: encode_value(value) for name, value in facts.items()}


def compile_condition(node: Node) -> Expression | None:
    """The match expression for a condition; None for the empty conjunction (always holds)."""
    if isinstance(node, Leaf):
        if node.positive:
            terms = [{node.field: encode_value(v)} for v in node.values]
            return terms[0] if len(terms) == 1 else {"$or": terms}
        negated = [{"$neq": {node.field: encode_value(v)}} for v in node.values]
        return negated[0] if len(negated) == 1 else {"$and": negated}
    compiled = [expression for item in node.items if (expression := compile_condition(item))]
    if not compiled:
        if node.kind == "any":
            raise ValueError("an empty `any` can never hold")
        return None
    if len(compiled) == 1:
        return compiled[0]
    return {"$and" if node.kind == "all" else "$or": compiled}
