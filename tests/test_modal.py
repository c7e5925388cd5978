"""Modal evaluation gives exactly the verdicts of enumeration (the reference path).

1. Over the shipped space: all 468 profiles (every field known or unknown), every option and note.
2. Over synthetic spaces: the AML fields plus up to 12 extra yes/no facts, random condition trees
   (shared and repeated fields included, so the enumeration fallback is exercised), random
   `unless`es and random known facts. Both sides ask the real durable-rules.
3. The cost: an all-unknown profile costs a number of boxes linear in its unknown facts when no
   field is shared, and the compiled forms are read-once-exact on hand-made trees.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import EngineError, Rulebase
from engine.domain.conditions import Group, Leaf, Node, leaves
from engine.domain.profile_space import Value, every_profile, facts_of, field_domains
from engine.matching.compiler import compile_condition, encode_fact
from engine.matching.durable_adapter import DurableMatcher
from engine.matching.limits import pack_rulesets
from engine.matching.modal import Clause, may_form, must_form, sensitivity_forms
from engine.matching.modal_firing import KINDS, ModalFiring
from engine.reasoning.evaluation import Verdict, Worlds, judge
from engine.reasoning.modal import EnumerationView, ModalView, view_of
from engine.rulebase.model import unless_name, when_name

Domains = Mapping[str, tuple[Value, ...]]


@pytest.mark.parametrize("disease", ["AML", "ALL"])
def test_modal_matches_enumeration_over_the_whole_shipped_space(
    rulebase: Rulebase, disease: str
) -> None:
    checked = 0
    for profile in every_profile(disease):
        facts = facts_of(profile)
        worlds = Worlds.of(rulebase, disease, facts)
        view = ModalView.of(rulebase, disease, facts)
        for option in rulebase.options[disease]:
            rules = rulebase.rules_concluding(option.id)
            assert view.judge(rules) == judge(rules, worlds), (option.id, facts)
            checked += 1
        for note in rulebase.notes_of(disease):
            assert view.judge(note) == judge(note, worlds), (note.id, facts)
            checked += 1
    profiles = 144 if disease == "AML" else 324
    assert checked == profiles * (len(rulebase.options[disease]) + len(rulebase.notes_of(disease)))


# --- synthetic spaces -------------------------------------------------------------------------

BASE: dict[str, tuple[Value, ...]] = dict(field_domains("AML"))
EXTRA = tuple(f"extra_{n}" for n in range(12))


def _leaf(domains: Domains) -> st.SearchStrategy[Node]:
    def for_field(name: str) -> st.SearchStrategy[Node]:
        domain = domains[name]
        return st.builds(
            Leaf,
            st.just(name),
            st.lists(st.sampled_from(domain), min_size=1, max_size=len(domain), unique=True).map(
                tuple
            ),
            st.booleans(),
        )

    return st.sampled_from(sorted(domains)).flatmap(for_field)


def trees(domains: Domains) -> st.SearchStrategy[Node]:
    """Condition trees in negation normal form: leaves on the given fields (a field may repeat),
    `all`/`any` groups of one to three items, at most three levels, small enough for the C core."""
    return st.recursive(
        _leaf(domains),
        lambda children: st.builds(
            Group,
            st.sampled_from(["all", "any"]),
            st.lists(children, min_size=1, max_size=3).map(tuple),
        ),
        max_leaves=5,
    )


@st.composite
def synthetic_spaces(draw: st.DrawFn) -> tuple[Domains, list[list[Clause]], dict[str, Any]]:
    """A field space (AML fields + up to 12 extra yes/no facts), options of 1-3 clauses (some with
    an `unless`), and facts, unknown half of the time, with at most 2**12 completions."""
    extra = draw(st.integers(min_value=0, max_value=12))
    domains: dict[str, tuple[Value, ...]] = {**BASE, **{f: (True, False) for f in EXTRA[:extra]}}
    # Sometimes few fields, so that rules share and repeat them; sometimes many, so that most
    # fields sit in one leaf and need no enumeration.
    used = draw(
        st.lists(
            st.sampled_from(sorted(domains)), min_size=1, max_size=len(domains), unique=True
        ).map(sorted)
    )
    used_domains = {f: domains[f] for f in used}
    options = []
    for option in range(draw(st.integers(min_value=1, max_value=3))):
        clauses = []
        for rule in range(draw(st.integers(min_value=1, max_value=3))):
            unless = draw(st.none() | trees(used_domains))
            clauses.append(Clause(f"o{option}-r{rule}", draw(trees(used_domains)), unless))
        options.append(clauses)
    facts: dict[str, Any] = {}
    for name, domain in domains.items():
        # Unknown half of the time: statuses that need information are the interesting ones.
        facts[name] = draw(st.none() | st.sampled_from(domain))
    # The reference enumerates every completion: keep them to 2**12 at most.
    completions = 1
    for name in [f for f, v in facts.items() if v is None]:
        if completions * len(domains[name]) > 2**12:
            facts[name] = domains[name][0]
        else:
            completions *= len(domains[name])
    return domains, options, facts


class _Reference:
    """The enumeration path over an explicit space: every world asked of durable-rules."""

    def __init__(self, domains: Domains, clauses: Sequence[Clause]) -> None:
        conditions: dict[str, Any] = {}
        for clause in clauses:
            conditions[when_name(clause.id)] = compile_condition(clause.when)
            if clause.unless is not None:
                conditions[unless_name(clause.id)] = compile_condition(clause.unless)
        self._rulesets = pack_rulesets("synthetic", conditions)
        self._matcher = DurableMatcher(self._rulesets)
        self._domains = domains

    def worlds(self, facts: Mapping[str, Value | None]) -> Worlds:
        def fired(world: dict[str, Value]) -> frozenset[str]:
            fact = encode_fact(world)
            return frozenset().union(*(self._matcher.fired(r, fact) for r in self._rulesets))

        return Worlds.enumerate(self._domains, facts, fired)


def _compare(
    domains: Domains, options: list[list[Clause]], facts: Mapping[str, Value | None]
) -> list[tuple[Verdict, Verdict]]:
    every = [clause for clauses in options for clause in clauses]
    modal = ModalFiring({"X": every}, {"X": domains})
    view = ModalView(modal, "X", facts)
    worlds = _Reference(domains, every).worlds(facts)
    return [(view.judge(clauses), judge(clauses, worlds)) for clauses in options]


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(space=synthetic_spaces())
def test_modal_matches_enumeration_on_synthetic_spaces(
    space: tuple[Domains, list[list[Clause]], dict[str, Any]],
) -> None:
    domains, options, facts = space
    for modal, reference in _compare(domains, options, facts):
        assert modal == reference


def test_shared_and_repeated_fields_are_enumerated_exactly() -> None:
    """Regression cases written by hand: the "or" of two rules on one field is a tautology (so
    the option applies though neither rule must), and a rule that repeats a field."""
    domains: dict[str, tuple[Value, ...]] = {"a": (True, False), "b": (True, False)}
    yes_a, no_a = Leaf("a", (True,), True), Leaf("a", (True,), False)
    yes_b = Leaf("b", (True,), True)
    tautology = [Clause("r1", yes_a), Clause("r2", no_a)]
    repeated = [Clause("r3", Group("any", (Group("all", (yes_a, yes_b)), no_a)))]
    for options in ([tautology], [repeated]):
        for values in itertools.product((True, False, None), repeat=2):
            facts = dict(zip(domains, values, strict=True))
            for modal, reference in _compare(domains, options, facts):
                assert modal == reference, facts
    ((verdict, _),) = _compare(domains, [tautology], {"a": None, "b": None})
    assert verdict.status.value == "applies"
    ((verdict, _),) = _compare(domains, [repeated], {"a": None, "b": None})
    # a=no holds; a=yes needs b: b decides only through the repeated field a.
    assert (verdict.status.value, verdict.needs) == ("needs_information", ("a", "b"))


def test_an_all_unknown_profile_costs_boxes_linear_in_unknown_facts() -> None:
    """12 extra unknown yes/no facts, each in its own rule: 1 box for the statuses and 2 per
    needed fact for `what_if`, never the 4,096 completions."""
    domains: dict[str, tuple[Value, ...]] = {f: (True, False) for f in EXTRA}
    clauses = [
        Clause(f"r{n}", Group("all", (Leaf(EXTRA[n], (True,), True),)), None) for n in range(12)
    ]
    firing = ModalFiring({"X": clauses}, {"X": domains})
    asked: list[Mapping[str, Value | None]] = []
    original = firing.holding

    def counting(
        disease: str,
        box: Mapping[str, Value | None],
        clauses: Sequence[Clause] | None = None,
        kinds: Sequence[str] = KINDS,
    ) -> frozenset[str]:
        asked.append(dict(box))
        return original(disease, box, clauses, kinds)

    firing.holding = counting  # type: ignore[method-assign]
    view = ModalView(firing, "X", dict.fromkeys(EXTRA))
    verdict = view.judge(clauses)
    assert verdict.needs == EXTRA
    distinct = {tuple(sorted(box.items(), key=str)) for box in asked}
    assert len(distinct) == 1 + 2 * 12


def test_modal_forms_on_a_box() -> None:
    domains: dict[str, tuple[Value, ...]] = {
        "risk": ("low", "mid", "high"),
        "flag": (True, False),
    }
    tree = Group("all", (Leaf("risk", ("mid", "high"), True), Leaf("flag", (True,), True)))
    must, may = must_form(tree, domains), may_form(tree, domains)
    sensitivities = sensitivity_forms(tree, domains)
    assert len(sensitivities) == len(leaves(tree))
    matcher = DurableMatcher(
        {
            "forms": {
                "must": must if isinstance(must, dict) else None,
                "may": may if isinstance(may, dict) else None,
                **{
                    f"s{i}": s if isinstance(s, dict) else None for i, s in enumerate(sensitivities)
                },
            }
        }
    )

    def fired(risk: str, flag: str) -> set[str]:
        return set(matcher.fired("forms", {"risk": risk, "flag": flag}))

    assert fired("high", "true") == {"must", "may", "s0", "s1"}
    assert fired("?unknown?", "true") == {"may", "s0", "s1"}
    assert fired("low", "?unknown?") == {"s0"}
    assert fired("?unknown?", "?unknown?") == {"may", "s0", "s1"}
    # A leaf that holds for every value of its field is constant, never registered.
    assert must_form(Leaf("flag", (True, False), True), domains) is True
    assert may_form(Leaf("flag", (True, False), False), domains) is False


def test_a_refused_modal_form_falls_back_to_enumeration(
    rulebase: Rulebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """durable-rules limits expression size and simultaneous matches; should it refuse a modal
    form, `explain` judges by enumeration and still gives the reference verdicts."""
    facts: dict[str, Value | None] = dict.fromkeys(field_domains("AML"))
    rules = rulebase.rules_concluding("aml-sorafenib")
    expected = judge(rules, Worlds.of(rulebase, "AML", facts))

    def refuse(*_: object, **__: object) -> frozenset[str]:
        raise EngineError("durable-rules refused the compiled rulesets: 107", "test")

    monkeypatch.setattr(rulebase.firing.modal, "holding", refuse)
    assert ModalView.of(rulebase, "AML", facts).judge(rules) == expected
    with pytest.raises(EngineError):
        ModalView(rulebase.firing.modal, "AML", facts).judge(rules)


def test_a_refused_registration_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    domains: dict[str, tuple[Value, ...]] = {"a": (True, False)}
    firing = ModalFiring({"X": [Clause("r", Leaf("a", (True,), True))]}, {"X": domains})
    attempts = []

    def refusing_matcher(rulesets: object) -> None:
        attempts.append(rulesets)
        raise EngineError("durable-rules refused the compiled rulesets", "test")

    monkeypatch.setattr("engine.matching.modal_firing.DurableMatcher", refusing_matcher)
    for _ in range(2):
        with pytest.raises(EngineError):
            firing.holding("X", {"a": None})
    assert len(attempts) == 1


def test_explain_enumerates_small_spaces_and_judges_large_ones_modally(rulebase: Rulebase) -> None:
    all_unknown: dict[str, Value | None] = dict.fromkeys(field_domains("AML"))
    # 36 completions against at most 1 + 10 boxes: modal.
    assert isinstance(view_of(rulebase, "AML", all_unknown), ModalView)
    one_unknown = {**all_unknown, "cytogenetic_risk": "intermediate", "flt3_mutation": True}
    one_unknown["transplant_status"] = "received"
    # 2 completions: enumeration, whose complete profiles are shared across profiles.
    assert isinstance(view_of(rulebase, "AML", one_unknown), EnumerationView)
