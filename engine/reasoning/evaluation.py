"""Unknown is not false: statuses over every completion of a profile's unknown facts.

This is the reference ("enumeration") path: its cost grows with the number of completions.
`engine/reasoning/modal.py` reaches the same verdicts with a number of engine calls linear in the
number of unknown facts; tests compare both.

durable-rules decides, for each complete profile (each "world" consistent with what is known),
which `when` and `unless` conditions fire. This module only aggregates those firings:
- an `unless` blocks only when it fires in every world (it is known to hold);
- an option applies when some unblocked rule of it fires in every world, does not apply when in
  none, and otherwise needs information: `needs` are the unknown fields whose value alone can
  change whether it holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from engine.domain.profile_space import Facts, Value, completions, field_domains, unknown_fields
from engine.matching.modal import Clause
from engine.rulebase.model import LoadedNote, LoadedRule, Rulebase, unless_name, when_name
from schemas.explanation import Status

Conclusion = Sequence[LoadedRule] | LoadedNote
"""What a status is computed for: the rules of one option (joined by "or"), or one note."""


def clauses_of(conclusion: Conclusion | Sequence[Clause]) -> tuple[Clause, ...]:
    """The conditions a conclusion is judged on: each rule's `when`/`unless`, or the note's `when`."""
    if isinstance(conclusion, LoadedNote):
        return (Clause(conclusion.id, conclusion.when),)
    return tuple(
        item if isinstance(item, Clause) else Clause(item.id, item.when, item.unless)
        for item in conclusion
    )


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
    domains: Mapping[str, tuple[Value, ...]]

    @classmethod
    def of(cls, rulebase: Rulebase, disease: str, known: Facts) -> Worlds:
        facts = tuple(completions(disease, known))
        return cls(
            disease=disease,
            unknown=unknown_fields(disease, known),
            facts=facts,
            fired=tuple(rulebase.firing.fired(disease, world) for world in facts),
            domains=field_domains(disease),
        )

    @classmethod
    def enumerate(
        cls,
        domains: Mapping[str, tuple[Value, ...]],
        known: Facts,
        fired: Callable[[dict[str, Value]], frozenset[str]],
        disease: str = "",
    ) -> Worlds:
        """The same over explicit field domains and a firing function (e.g. a synthetic space)."""
        choices: list[tuple[Value, ...]] = []
        for name, domain in domains.items():
            value = known.get(name)
            choices.append(domain if value is None else (value,))
        facts = tuple(
            dict(zip(domains, values, strict=True)) for values in itertools.product(*choices)
        )
        return cls(
            disease=disease,
            unknown=tuple(f for f in domains if known.get(f) is None),
            facts=facts,
            fired=tuple(fired(world) for world in facts),
            domains=domains,
        )


def judge(conclusion: Conclusion | Sequence[Clause], worlds: Worlds) -> Verdict:
    """The reference verdict: every completion asked of durable-rules."""
    clauses = clauses_of(conclusion)
    everywhere = range(len(worlds.facts))
    status, needs, blocked = _status(clauses, worlds, everywhere)
    what_if = tuple(
        (
            field,
            tuple(
                (value, _status(clauses, worlds, _where(worlds, field, value))[0])
                for value in worlds.domains[field]
            ),
        )
        for field in needs
    )
    return Verdict(status=status, needs=needs, blocked_rules=blocked, what_if=what_if)


def _where(worlds: Worlds, field: str, value: Value) -> list[int]:
    return [index for index, facts in enumerate(worlds.facts) if facts[field] == value]


def _status(
    clauses: Sequence[Clause], worlds: Worlds, indices: Sequence[int]
) -> tuple[Status, tuple[str, ...], frozenset[str]]:
    blocked = frozenset(
        clause.id
        for clause in clauses
        if clause.unless is not None
        and all(unless_name(clause.id) in worlds.fired[i] for i in indices)
    )
    live = [when_name(clause.id) for clause in clauses if clause.id not in blocked]
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
