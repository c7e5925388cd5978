"""Unknown is not false. Statuses are checked against an independent oracle that evaluates the
rule files' conditions directly (not the engine's compiled form) over every completion."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Rulebase, Status, explain
from engine.domain.profile_space import field_domains
from engine.inputs.rule_files import read_yaml_model
from schemas.rule import AllOf, AnyOf, FieldCondition, NotOf, RuleFile, Shared
from tests import strategies


@cache
def _shared_conditions(rule_file: Path) -> dict[str, Any]:
    return dict(read_yaml_model(rule_file, RuleFile).conditions)


def _holds(condition: Any, world: dict[str, Any], shared: dict[str, Any]) -> bool:
    """Direct reading of the YAML condition, written independently of engine/conditions.py."""
    if condition == "always":
        return True
    if isinstance(condition, Shared):
        return _holds(shared[condition.use], world, shared)
    if isinstance(condition, AllOf):
        return all(_holds(c, world, shared) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(_holds(c, world, shared) for c in condition.any)
    if isinstance(condition, NotOf):
        return not _holds(condition.not_, world, shared)
    assert isinstance(condition, FieldCondition)
    inside = world[condition.field] in condition.values
    return inside if condition.operator in ("is", "in") else not inside


def _worlds(disease: str, facts: dict[str, Any]) -> list[dict[str, Any]]:
    domains = field_domains(disease)
    choices = [domains[f] if facts[f] is None else (facts[f],) for f in domains]
    return [dict(zip(domains, values, strict=False)) for values in itertools.product(*choices)]


def _oracle(
    rulebase: Rulebase, option_id: str, disease: str, facts: dict[str, Any]
) -> tuple[str, set[str]]:
    worlds = _worlds(disease, facts)
    loaded = [r for r in rulebase.rules if r.spec.concludes == option_id]
    shared = _shared_conditions(loaded[0].path) if loaded else {}
    rules = [r.spec for r in loaded]
    blocked = {
        r.id
        for r in rules
        if r.unless is not None and all(_holds(r.unless, w, shared) for w in worlds)
    }
    live = [r for r in rules if r.id not in blocked]
    holds = [any(_holds(r.when, w, shared) for r in live) for w in worlds]
    if all(holds):
        return "applies", set()
    if not any(holds):
        return "does_not_apply", set()
    needs = set()
    for field in (f for f, v in facts.items() if v is None):
        by_rest: dict[tuple[Any, ...], set[bool]] = {}
        for world, held in zip(worlds, holds, strict=False):
            by_rest.setdefault(tuple(v for k, v in world.items() if k != field), set()).add(held)
        if any(len(outcomes) > 1 for outcomes in by_rest.values()):
            needs.add(field)
    return "needs_information", needs


def _profile(disease: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "disease": disease,
        **{
            k: ("unknown" if v is None and k not in _BOOLEAN_FIELDS else v)
            for k, v in facts.items()
        },
    }


_BOOLEAN_FIELDS = {
    f for d in ("AML", "ALL") for f, dom in field_domains(d).items() if dom == (True, False)
}


@settings(max_examples=300, deadline=None)
@given(data=st.data(), disease=st.sampled_from(["AML", "ALL"]))
def test_statuses_agree_with_the_oracle(
    data: st.DataObject, disease: str, rulebase: Rulebase
) -> None:
    facts = data.draw(strategies.facts(disease))
    explanation = explain(_profile(disease, facts), rulebase=rulebase)
    for option in explanation.options:
        status, needs = _oracle(rulebase, option.id, disease, facts)
        assert (option.status.value, set(option.needs)) == (status, needs), option.id


def test_what_if_gives_the_status_of_each_value(rulebase: Rulebase) -> None:
    explanation = explain({"disease": "AML", "cytogenetic_risk": "intermediate"}, rulebase=rulebase)
    azacitidine = next(o for o in explanation.options if o.id == "aml-oral-azacitidine")
    assert azacitidine.needs == ("transplant_status",)
    (what_if,) = azacitidine.what_if
    assert {o.value: o.status for o in what_if.outcomes} == {
        "received": Status.DOES_NOT_APPLY,
        "eligible": Status.DOES_NOT_APPLY,
        "ineligible": Status.APPLIES,
    }
    sorafenib = next(o for o in explanation.options if o.id == "aml-sorafenib")
    flt3 = next(w for w in sorafenib.what_if if w.field == "flt3_mutation")
    # Knowing one of three facts still leaves the others open.
    assert {o.value: o.status for o in flt3.outcomes} == {
        True: Status.NEEDS_INFORMATION,
        False: Status.DOES_NOT_APPLY,
    }


@settings(max_examples=150, deadline=None)
@given(data=st.data(), disease=st.sampled_from(["AML", "ALL"]))
def test_what_if_agrees_with_explaining_the_completed_profile(
    data: st.DataObject, disease: str, rulebase: Rulebase
) -> None:
    facts = data.draw(strategies.facts(disease))
    explanation = explain(_profile(disease, facts), rulebase=rulebase)
    for option in explanation.options:
        assert (option.status is Status.NEEDS_INFORMATION) == bool(option.needs)
        for what_if in option.what_if:
            for outcome in what_if.outcomes:
                completed = explain(
                    _profile(disease, {**facts, what_if.field: outcome.value}), rulebase=rulebase
                )
                assert (
                    next(o for o in completed.options if o.id == option.id).status == outcome.status
                )
    for note in explanation.notes:
        assert [w.field for w in note.what_if] == list(note.needs)
        for what_if in note.what_if:
            for outcome in what_if.outcomes:
                completed = explain(
                    _profile(disease, {**facts, what_if.field: outcome.value}), rulebase=rulebase
                )
                shown = {n.id: n.status for n in completed.notes}
                assert shown.get(note.id, Status.DOES_NOT_APPLY) == outcome.status


def test_unknown_exception_does_not_block_but_known_one_does(rulebase: Rulebase) -> None:
    def imatinib(**facts: Any) -> Any:
        explanation = explain(
            {"disease": "ALL", "ph_status": "positive", **facts}, rulebase=rulebase
        )
        return next(o for o in explanation.options if o.id == "all-imatinib")

    unknown = imatinib()
    assert unknown.status is Status.APPLIES
    assert [(r.role, r.outcome.value) for r in unknown.reasons] == [
        ("when", "held"),
        ("unless", "unknown"),
    ]
    blocked = imatinib(imatinib_response="not_effective")
    assert blocked.status is Status.DOES_NOT_APPLY
    assert [(r.role, r.outcome.value) for r in blocked.reasons] == [
        ("when", "held"),
        ("unless", "blocked"),
    ]
    working = imatinib(imatinib_response="effective")
    assert [(r.role, r.outcome.value) for r in working.reasons] == [
        ("when", "held"),
        ("unless", "not_held"),
    ]
