"""Unknown is not false: statuses over every completion of a profile's unknown facts.

durable-rules decides, for each complete profile (each "world" consistent with what is known),
which `when` and `unless` conditions fire. This module only aggregates those firings:
- an `unless` blocks only when it fires in every world (it is known to hold);
- an option applies when some unblocked rule of it fires in every world, does not apply when in
  none, and otherwise needs information: `needs` are the unknown fields whose value alone can
  change whether it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.domain.profile_space import Facts, Value, completions, field_domains, unknown_fields
from engine.rulebase.model import LoadedNote, LoadedRule, Rulebase, unless_name, when_name
from schemas.explanation import Status

Conclusion = Sequence[LoadedRule] | LoadedNote
"""What a status is computed for: the rules of one option (joined by "or"), or one note."""


@dataclass(frozen=True)
class Verdict:
    status: Status
    needs: tuple[str, ...]
    blocked_rules: frozenset[str]
    what_if: tuple[tuple[str, tuple[tuple[Value, Status], ...]], ...]


@dataclass(frozen=True)
class Worlds:
    """The completions of one profile and what durable-rules fired in each."""

    disease: str
    unknown: tuple[str, ...]
    facts: tuple[dict[str, Value], ...]
    fired: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, rulebase: Rulebase, disease: str, known: Facts) -> Worlds:
        facts = tuple(completions(disease, known))
        return cls(
            disease=disease,
            unknown=unknown_fields(disease, known),
            facts=facts,
            fired=tuple(rulebase.firing.fired(disease, world) for world in facts),
        )


def judge(conclusion: Conclusion, worlds: Worlds) -> Verdict:
    everywhere = range(len(worlds.facts))
    status, needs, blocked = _status(conclusion, worlds, everywhere)
    what_if = tuple(
        (
            field,
            tuple(
                (value, _status(conclusion, worlds, _where(worlds, field, value))[0])
                for value in field_domains(worlds.disease)[field]
            ),
        )
        for field in needs
    )
    return Verdict(status=status, needs=needs, blocked_rules=blocked, what_if=what_if)


def _where(worlds: Worlds, field: str, value: Value) -> list[int]:
    return [index for index, facts in enumerate(worlds.facts) if facts[field] == value]


def _status(
    conclusion: Conclusion, worlds: Worlds, indices: Sequence[int]
) -> tuple[Status, tuple[str, ...], frozenset[str]]:
    rules: Sequence[LoadedRule | LoadedNote] = (
        (conclusion,) if isinstance(conclusion, LoadedNote) else conclusion
    )
    blocked = frozenset(
        rule.id
        for rule in rules
        if isinstance(rule, LoadedRule)
        and rule.unless is not None
        and all(unless_name(rule.id) in worlds.fired[i] for i in indices)
    )
    live = [when_name(rule.id) for rule in rules if rule.id not in blocked]
    holds = {i: any(name in worlds.fired[i] for name in live) for i in indices}
    if all(holds.values()):
        return Status.APPLIES, (), blocked
    if not any(holds.values()):
        return Status.DOES_NOT_APPLY, (), blocked
    return Status.NEEDS_INFORMATION, _deciding_fields(worlds, holds), blocked


def _deciding_fields(worlds: Worlds, holds: dict[int, bool]) -> tuple[str, ...]:
    """Unknown fields for which two worlds differing in that field alone disagree."""
    deciding = []
    for field in worlds.unknown:
        outcome_by_rest: dict[tuple[tuple[str, Value], ...], bool] = {}
        for index, held in holds.items():
            rest = tuple((k, v) for k, v in worlds.facts[index].items() if k != field)
            if outcome_by_rest.setdefault(rest, held) != held:
                deciding.append(field)
                break
    return tuple(deciding)
