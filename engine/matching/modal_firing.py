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
from engine.matching.compiler import split_into_rulesets
from engine.matching.durable_adapter import DurableMatcher
from engine.matching.modal import (
    Clause,
    Domains,
    Expression,
    Form,
    check_domains,
    encode_box,
    may_form,
    must_form,
    sensitivity_forms,
)


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
        self._expressions: dict[str, dict[str, Expression]] = {}
        self._always: dict[str, frozenset[str]] = {}
        for disease, clauses in clauses_by_disease.items():
            domains = self._domains[disease]
            check_domains(domains)
            forms: dict[str, Form] = {}
            for clause in clauses:
                forms[must_name(clause.id)] = must_form(clause.when, domains)
                forms[may_name(clause.id)] = may_form(clause.when, domains)
                if clause.unless is not None:
                    forms[unless_must_name(clause.id)] = must_form(clause.unless, domains)
                for index, form in enumerate(sensitivity_forms(clause.when, domains)):
                    forms[sensitivity_name(clause.id, index)] = form
            self._always[disease] = frozenset(name for name, form in forms.items() if form is True)
            self._expressions[disease] = {
                name: form for name, form in forms.items() if not isinstance(form, bool)
            }
        self._rulesets: dict[str, tuple[str, ...]] = {}
        self._matcher: DurableMatcher | None = None
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, tuple[tuple[str, str], ...]], frozenset[str]] = {}

    def domains(self, disease: str) -> Domains:
        return self._domains[disease]

    def expressions(self, disease: str) -> Mapping[str, Expression]:
        """The forms registered with durable-rules for one disease, by rule name."""
        return self._expressions.get(disease, {})

    def holding(self, disease: str, box: Mapping[str, Value | None]) -> frozenset[str]:
        """Names of the forms that hold for `box` (every field present; None when unknown)."""
        fact = encode_box(box)
        key = (disease, tuple(sorted(fact.items())))
        with self._lock:
            cached = self._memo.get(key)
        if cached is not None:
            return cached
        matcher = self._registered()
        fired = frozenset().union(
            self._always.get(disease, frozenset()),
            *(matcher.fired(ruleset, fact) for ruleset in self._rulesets.get(disease, ())),
        )
        with self._lock:
            self._memo[key] = fired
        return fired

    def _registered(self) -> DurableMatcher:
        with self._lock:
            if self._matcher is None:
                every: dict[str, dict[str, Expression | None]] = {}
                for disease, expressions in self._expressions.items():
                    rulesets = split_into_rulesets(f"{disease.lower()}-modal", dict(expressions))
                    self._rulesets[disease] = tuple(rulesets)
                    every.update(rulesets)
                self._matcher = DurableMatcher(every)
            return self._matcher
