"""A second durable-rules matcher for a rulebase, built from the compiler's output without the
rulebase's memo, so that every call really asks durable-rules. Tests and the benchmark compare the
rulebase's memoised firing with it, and use it to drive durable-rules from many threads."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from engine.domain.profile_space import Value
from engine.matching.compiler import Expression, compile_condition, encode_fact
from engine.matching.durable_adapter import DurableMatcher
from engine.matching.limits import pack_rulesets
from engine.rulebase.model import Rulebase, unless_name, when_name

Fired = Callable[[str, Mapping[str, Value]], frozenset[str]]
"""(disease, complete facts) -> names of the conditions that hold."""


def durable_reference(rulebase: Rulebase) -> Fired:
    """A function asking a fresh durable-rules host, on every call, which of the rulebase's
    conditions hold for a complete profile."""
    conditions: dict[str, dict[str, Expression | None]] = {}
    for item in rulebase.items:
        compiled = conditions.setdefault(item.disease, {})
        compiled[when_name(item.id)] = compile_condition(item.when)
        if item.unless is not None:
            compiled[unless_name(item.id)] = compile_condition(item.unless)
    rulesets = {
        disease: pack_rulesets(f"reference-{disease.lower()}", by_name)
        for disease, by_name in conditions.items()
    }
    matcher = DurableMatcher({name: rs for per in rulesets.values() for name, rs in per.items()})

    def fired(disease: str, facts: Mapping[str, Value]) -> frozenset[str]:
        fact = encode_fact(facts)
        return frozenset().union(*(matcher.fired(name, fact) for name in rulesets[disease]))

    return fired
