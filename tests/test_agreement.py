"""Agreement over the whole profile space (144 AML, 324 ALL profiles): the per-condition reasons
of each explanation agree with what durable-rules fired.

1. In every complete profile, durable-rules fires a rule's `when` (and `unless`) exactly when the
   condition tree, evaluated here in plain Python from the leaves the reasons report, holds.
2. In every profile, each option's status follows from its reasons in three-valued (Kleene) logic:
   an option applies when some rule has its `when` held (every leaf HELD, or the tree true on the
   known facts) and is not blocked; it does not apply when every rule's `when` is false on the
   known facts or the rule is blocked; otherwise it needs information, and only fields whose
   reasons are UNKNOWN are needed. Kleene logic is exact here because no field occurs twice among
   an option's conditions (checked below); otherwise only its definite answers would be binding.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from engine import Rulebase
from engine.domain.conditions import Leaf, Node, leaves
from engine.domain.profile_space import Value, completions, every_profile, facts_of
from engine.reasoning.evaluation import Worlds
from engine.reasoning.explainer import build_explanation
from engine.rulebase.model import LoadedRule, unless_name, when_name
from schemas.explanation import Outcome, Status
from tests.durable_reference import durable_reference

Truth = bool | None  # None: unknown


def _kleene(node: Node, facts: Mapping[str, Value | None]) -> Truth:
    if isinstance(node, Leaf):
        value = facts.get(node.field)
        return None if value is None else node.holds_for(value)
    results = [_kleene(item, facts) for item in node.items]
    if node.kind == "all":
        return False if False in results else None if None in results else True
    return True if True in results else None if None in results else False


@pytest.mark.parametrize("disease", ["AML", "ALL"])
def test_durable_firing_agrees_with_the_condition_trees(rulebase: Rulebase, disease: str) -> None:
    items = [item for item in (*rulebase.rules, *rulebase.notes) if item.disease == disease]
    checked = 0
    reference = durable_reference(rulebase)
    for facts in completions(disease, {}):
        fired = reference(disease, facts)
        for item in items:
            assert (when_name(item.id) in fired) is _kleene(item.when, facts), (item.id, facts)
            if item.unless is not None:
                assert (unless_name(item.id) in fired) is _kleene(item.unless, facts), (
                    item.id,
                    facts,
                )
            checked += 1
    assert checked == len(items) * (36 if disease == "AML" else 48)


def test_kleene_logic_is_exact_for_the_shipped_rules(rulebase: Rulebase) -> None:
    for options in rulebase.options.values():
        for option in options:
            fields = [
                leaf.field
                for rule in rulebase.rules_concluding(option.id)
                for leaf in leaves(rule.when)
            ]
            assert len(fields) == len(set(fields)), f"{option.id}: a field occurs twice"


def _expected_status(rules: tuple[LoadedRule, ...], facts: Mapping[str, Value | None]) -> Status:
    live = [rule for rule in rules if not (rule.unless is not None and _kleene(rule.unless, facts))]
    truths = [_kleene(rule.when, facts) for rule in live]
    if True in truths:
        return Status.APPLIES
    if all(truth is False for truth in truths):
        return Status.DOES_NOT_APPLY
    return Status.NEEDS_INFORMATION


@pytest.mark.parametrize("disease", ["AML", "ALL"])
def test_statuses_agree_with_the_reasons(rulebase: Rulebase, disease: str) -> None:
    profiles = 0
    for profile in every_profile(disease):
        facts = facts_of(profile)
        explanation = build_explanation(rulebase, profile)
        for option in explanation.options:
            rules = rulebase.rules_concluding(option.id)
            assert option.status is _expected_status(rules, facts), (option.id, facts)
            by_rule = {rule.id: [r for r in option.reasons if r.rule == rule.id] for rule in rules}
            for rule in rules:
                reasons = by_rule[rule.id]
                # One reason per leaf, in order, each with the profile's own value.
                expected = [("when", leaf.field) for leaf in leaves(rule.when)]
                if rule.unless is not None:
                    expected += [("unless", leaf.field) for leaf in leaves(rule.unless)]
                assert [(r.role, r.field) for r in reasons] == expected
                for reason in reasons:
                    assert reason.actual == facts[reason.field]
                    assert (reason.outcome is Outcome.UNKNOWN) is (reason.actual is None)
                blocked = any(r.outcome is Outcome.BLOCKED for r in reasons)
                assert blocked is bool(rule.unless is not None and _kleene(rule.unless, facts))
            if option.status is Status.APPLIES:
                # Some unblocked rule whose `when` reasons all held (no unknown can matter here).
                assert any(
                    all(r.outcome is Outcome.HELD for r in by_rule[rule.id] if r.role == "when")
                    and not any(r.outcome is Outcome.BLOCKED for r in by_rule[rule.id])
                    for rule in rules
                ), (option.id, facts)
            if option.status is Status.NEEDS_INFORMATION:
                unknown = {r.field for r in option.reasons if r.outcome is Outcome.UNKNOWN}
                assert option.needs and set(option.needs) <= unknown, (option.id, facts)
            else:
                assert option.needs == ()
        shown = {note.id: note for note in explanation.notes}
        for note in rulebase.notes_of(disease):
            truth = _kleene(note.when, facts)
            assert (note.id in shown) is (truth is not False), (note.id, facts)
            if truth is None:
                assert shown[note.id].status is Status.NEEDS_INFORMATION
        profiles += 1
    assert profiles == (144 if disease == "AML" else 324)


def test_worlds_fire_the_same_as_the_reference(rulebase: Rulebase) -> None:
    # The memoised firing the explanations use equals a fresh durable-rules call.
    worlds = Worlds.of(rulebase, "ALL", {name: None for name in ("subtype", "ph_status")})
    reference = durable_reference(rulebase)
    for facts, fired in zip(worlds.facts, worlds.fired, strict=True):
        assert fired == reference("ALL", facts)
