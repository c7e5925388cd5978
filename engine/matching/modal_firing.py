"""The modal forms of a rulebase's clauses, registered with durable-rules, and what they fire for a
partly known profile (a "box": known fields fixed, unknown fields free).

One assertion answers, for every clause of a disease at once, whether its `when` must hold, may
hold, whether its `unless` must hold, and which of its leaves can decide it. Constant forms are
answered here without asking the engine. Registration happens on first use, so loading a rulebase
(e.g. for `pathway check`) does not pay for it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from engine.domain.profile_space import Value
from engine.errors import EngineError
from engine.matching.durable_adapter import DurableMatcher
from engine.matching.modal import (
    Clause,
    Domains,
    Expression,
    Form,
    Plan,
    check_domains,
    encode_box,
    may_form,
    must_form,
    sensitivity_forms,
)

FORMS_PER_RULESET = 12
"""Small enough that a box asked for one conclusion touches few forms; far below the C core's
64-entry match stack however many forms hold at once."""


STATUS, DECIDES = "status", "decides"
KINDS = (STATUS, DECIDES)


def must_name(clause_id: str) -> str:
    return f"{clause_id}|must"


def may_name(clause_id: str) -> str:
    return f"{clause_id}|may"


def unless_must_name(clause_id: str) -> str:
    return f"{clause_id}|unless-must"


def sensitivity_name(clause_id: str, leaf_index: int) -> str:
    return f"{clause_id}|decides-{leaf_index}"


class ModalFiring:
    """Which modal forms hold for a box, memoised per box (the space of boxes is finite)."""

    def __init__(
        self,
        clauses_by_disease: Mapping[str, Sequence[Clause]],
        domains_by_disease: Mapping[str, Domains],
    ) -> None:
        self._domains = dict(domains_by_disease)
        self._always: dict[str, frozenset[str]] = {}
        # Small rulesets, each holding forms of whole clauses, in two kinds: "status" forms (must,
        # may, unless-must) and "decides" forms (sensitivities, needed only to find `needs`). A
        # box asked for one conclusion's status (e.g. a `what_if` value) is asserted only into
        # the status rulesets of that conclusion's clauses, so few forms fire for it.
        self._rulesets: dict[str, dict[str, Expression | None]] = {}
        self._ruleset_of: dict[tuple[str, str, str], str] = {}  # (disease, clause, kind) → name
        self._rulesets_of_disease: dict[str, tuple[str, ...]] = {}
        for disease, clauses in clauses_by_disease.items():
            domains = self._domains[disease]
            check_domains(domains)
            always: set[str] = set()
            names: list[str] = []
            for kind in KINDS:
                current: dict[str, Expression | None] | None = None
                for clause in clauses:
                    forms = _forms(clause, domains, kind)
                    always.update(name for name, form in forms.items() if form is True)
                    expressions = {n: f for n, f in forms.items() if not isinstance(f, bool)}
                    if current is None or len(current) + len(expressions) > FORMS_PER_RULESET:
                        current = {}
                        names.append(f"{disease.lower()}-{kind}-{len(names)}")
                        self._rulesets[names[-1]] = current
                    current.update(expressions)
                    self._ruleset_of[(disease, clause.id, kind)] = names[-1]
            self._always[disease] = frozenset(always)
            self._rulesets_of_disease[disease] = tuple(names)
        self._matcher: DurableMatcher | None = None
        self._refused: EngineError | None = None
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, tuple[tuple[str, str], ...]], frozenset[str]] = {}
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}

    def domains(self, disease: str) -> Domains:
        return self._domains[disease]

    def plan(self, disease: str, clauses: Sequence[Clause]) -> Plan:
        """The enumeration plan of one conclusion, computed once (clause ids are unique)."""
        key = (disease, tuple(clause.id for clause in clauses))
        with self._lock:
            cached = self._plans.get(key)
        if cached is None:
            cached = Plan.of(clauses, self._domains[disease])
            with self._lock:
                self._plans[key] = cached
        return cached

    def expressions(self, disease: str) -> Mapping[str, Expression]:
        """The forms registered with durable-rules for one disease, by rule name."""
        return {
            name: expression
            for ruleset in self._rulesets_of_disease.get(disease, ())
            for name, expression in self._rulesets[ruleset].items()
            if expression is not None
        }

    def holding(
        self,
        disease: str,
        box: Mapping[str, Value | None],
        clauses: Sequence[Clause] | None = None,
        kinds: Sequence[str] = KINDS,
    ) -> frozenset[str]:
        """Names of the forms that hold for `box` (every field present; None when unknown),
        asking only the rulesets of `clauses` (default: every clause of the disease) that hold
        forms of the given kinds."""
        fact = encode_box(box)
        key = tuple(sorted(fact.items()))
        if clauses is None:
            rulesets: Sequence[str] = self._rulesets_of_disease.get(disease, ())
        else:
            rulesets = sorted(
                {self._ruleset_of[(disease, c.id, kind)] for c in clauses for kind in kinds}
            )
        fired: set[str] = set(self._always.get(disease, ()))
        for ruleset in rulesets:
            with self._lock:
                cached = self._memo.get((ruleset, key))
            if cached is None:
                cached = self._registered().fired(ruleset, fact)
                with self._lock:
                    self._memo[(ruleset, key)] = cached
            fired.update(cached)
        return frozenset(fired)

    def forget(self) -> None:
        """Empty the memo (for benchmarks that measure a profile's first evaluation)."""
        with self._lock:
            self._memo.clear()

    def _registered(self) -> DurableMatcher:
        with self._lock:
            if self._refused is not None:
                raise self._refused
            if self._matcher is None:
                try:
                    self._matcher = DurableMatcher(self._rulesets)
                except EngineError as error:
                    # Remembered: registering again would fail again, and cost each time.
                    self._refused = error
                    raise
            return self._matcher


def _forms(clause: Clause, domains: Domains, kind: str) -> dict[str, Form]:
    if kind == DECIDES:
        return {
            sensitivity_name(clause.id, index): form
            for index, form in enumerate(sensitivity_forms(clause.when, domains))
        }
    forms: dict[str, Form] = {
        must_name(clause.id): must_form(clause.when, domains),
        may_name(clause.id): may_form(clause.when, domains),
    }
    if clause.unless is not None:
        forms[unless_must_name(clause.id)] = must_form(clause.unless, domains)
    return forms
