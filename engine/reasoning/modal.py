"""Verdicts from modal firings: the same answers as enumeration, at a cost linear in unknown facts.

durable-rules decides, for a box (the profile with its unknown fields left open), whether each
clause's `when` must hold or may hold, whether its `unless` must hold, and which leaves can decide
the `when` (see `engine/matching/modal.py`). With `B` the box and the rules of one option joined
by "or", the reference semantics (`engine/reasoning/evaluation.py`) become:
- a rule is blocked when its `unless` must hold in B;
- the option applies when the live rules' `when`s together must hold, does not apply when none
  may hold, and otherwise needs information;
- a field is needed when two completions differing in it alone disagree.

"Must" of an "or" is the "or" of the "must"s, and a field decides the "or" when it decides its one
rule while every other rule can fail, only when no field is shared between the rules' `when`s
(nor repeated inside one). So the fields the rules share are enumerated: for each assignment of
them the box is asked once more (a rule whose own `when` repeats a field has all its fields
enumerated). Everything else costs one box: 1 box for a status, plus one per value of a needed
field for `what_if`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property

from engine.domain.profile_space import Facts, Value
from engine.errors import EngineError
from engine.matching.modal import Clause, Plan
from engine.matching.modal_firing import (
    DECIDES,
    KINDS,
    STATUS,
    ModalFiring,
    may_name,
    must_name,
    sensitivity_name,
    unless_must_name,
)
from engine.reasoning.evaluation import Conclusion, Verdict, Worlds, clauses_of, judge
from engine.rulebase.model import Rulebase
from schemas.explanation import Status

Box = Mapping[str, Value | None]


class ModalView:
    """One profile's known facts, judged through modal firings of its boxes."""

    def __init__(
        self,
        firing: ModalFiring,
        disease: str,
        facts: Facts,
        fallback: Callable[[], Worlds] | None = None,
    ) -> None:
        self._firing = firing
        self._fallback = fallback
        self._worlds: Worlds | None = None
        self._disease = disease
        self._domains = firing.domains(disease)
        self._box: dict[str, Value | None] = {f: facts.get(f) for f in self._domains}

    @classmethod
    def of(cls, rulebase: Rulebase, disease: str, facts: Facts) -> ModalView:
        """The view `explain` uses; should durable-rules refuse a modal form (the C core limits
        expression size and simultaneous matches, and modal forms differ from the plain ones),
        the profile is judged by enumeration instead, which gives the same verdicts."""
        return cls(
            rulebase.firing.modal, disease, facts, lambda: Worlds.of(rulebase, disease, facts)
        )

    @cached_property
    def unknown(self) -> tuple[str, ...]:
        return tuple(f for f, v in self._box.items() if v is None)

    def judge(self, conclusion: Conclusion | Sequence[Clause]) -> Verdict:
        """The verdict `evaluation.judge` gives over every completion, from modal firings."""
        try:
            return self._judge(conclusion)
        except EngineError:
            if self._fallback is None:
                raise
            if self._worlds is None:
                self._worlds = self._fallback()
            return judge(conclusion, self._worlds)

    def _judge(self, conclusion: Conclusion | Sequence[Clause]) -> Verdict:
        plan = self._firing.plan(self._disease, clauses_of(conclusion))
        status, blocked, live = self._status(plan, self._box)
        needs: tuple[str, ...] = ()
        if status is Status.NEEDS_INFORMATION:
            needs = tuple(f for f in self.unknown if self._decides(plan, live, f))
        what_if = tuple(
            (
                field,
                tuple(
                    (value, self._status(plan, {**self._box, field: value})[0])
                    for value in self._domains[field]
                ),
            )
            for field in needs
        )
        return Verdict(status=status, needs=needs, blocked_rules=blocked, what_if=what_if)

    def _holding(self, plan: Plan, box: Box, kinds: Sequence[str] = (STATUS,)) -> frozenset[str]:
        return self._firing.holding(self._disease, box, plan.clauses, kinds)

    def _assignments(self, box: Box, fields: Sequence[str]) -> Iterator[dict[str, Value]]:
        open_fields = [f for f in fields if box[f] is None]
        for values in itertools.product(*(self._domains[f] for f in open_fields)):
            yield dict(zip(open_fields, values, strict=True))

    def _status(self, plan: Plan, box: Box) -> tuple[Status, frozenset[str], tuple[Clause, ...]]:
        holding = [
            self._holding(plan, {**box, **a}) for a in self._assignments(box, plan.enumerated)
        ]
        blocked = frozenset(
            c.id
            for c in plan.clauses
            if c.unless is not None and all(unless_must_name(c.id) in h for h in holding)
        )
        live = tuple(c for c in plan.clauses if c.id not in blocked)
        if all(any(must_name(c.id) in h for c in live) for h in holding):
            return Status.APPLIES, blocked, live
        if not any(may_name(c.id) in h for c in live for h in holding):
            return Status.DOES_NOT_APPLY, blocked, live
        return Status.NEEDS_INFORMATION, blocked, live

    def _decides(self, plan: Plan, live: tuple[Clause, ...], field: str) -> bool:
        """Whether two completions differing in `field` alone disagree on the live `when`s."""
        holders = [c for c in live if field in plan.when_fields[c.id]]
        if not holders:
            return False
        box = self._box
        if field not in plan.enumerated:
            # The field is in one leaf of one rule: it decides when that leaf can decide its
            # rule while every other live rule can fail, for some value of the shared fields.
            (clause,) = holders
            index, _ = plan.leaf_of[(clause.id, field)]
            return any(
                sensitivity_name(clause.id, index) in h
                and not any(must_name(o.id) in h for o in live if o is not clause)
                for h in (
                    self._holding(plan, {**box, **a}, KINDS)
                    for a in self._assignments(box, plan.enumerated)
                )
            )
        # A shared field: for each value of the other shared fields, some rule must go from
        # holding (at some value `a`) to failing (at `b`) while every other rule can fail at `b`.
        others = [f for f in plan.enumerated if f != field]
        for rest in self._assignments(box, others):
            at = {b: self._holding(plan, {**box, **rest, field: b}) for b in self._domains[field]}
            for clause in holders:
                for b, holding_b in at.items():
                    if any(must_name(o.id) in holding_b for o in live if o is not clause):
                        continue
                    if clause.id in plan.whole:
                        # All its fields are fixed here: its `when` is known at each value.
                        flips = must_name(clause.id) not in holding_b and any(
                            must_name(clause.id) in holding_a for holding_a in at.values()
                        )
                    else:
                        index, leaf = plan.leaf_of[(clause.id, field)]
                        open_field = self._holding(plan, {**box, **rest}, (DECIDES,))
                        flips = not leaf.holds_for(b) and (
                            sensitivity_name(clause.id, index) in open_field
                        )
                    if flips:
                        return True
        return False


ENUMERATION_FACTOR = 2
"""Measured on the shipped space (`view_of`): enumeration's memo of complete profiles makes it the
cheaper path while completions stay within about twice the boxes modal evaluation would ask."""


class EnumerationView:
    """The reference path behind the same `judge` as `ModalView`."""

    def __init__(self, worlds: Worlds) -> None:
        self._worlds = worlds

    def judge(self, conclusion: Conclusion | Sequence[Clause]) -> Verdict:
        return judge(conclusion, self._worlds)


def view_of(rulebase: Rulebase, disease: str, facts: Facts) -> ModalView | EnumerationView:
    """The cheaper of the two paths for this profile; both give the same verdicts.

    Enumeration asks durable-rules once per completion, and complete profiles are shared by many
    partly known ones (the rulebase memoises them); modal evaluation asks about one box, plus
    one per value of each needed field. A profile with at most twice as many completions as
    modal evaluation could ask boxes (most of the shipped space) is enumerated; past that, modal
    evaluation keeps the cost linear in unknown facts.
    """
    domains = rulebase.firing.modal.domains(disease)
    unknown = [len(domains[f]) for f in domains if facts.get(f) is None]
    if math.prod(unknown) <= ENUMERATION_FACTOR * (1 + sum(unknown)):
        return EnumerationView(Worlds.of(rulebase, disease, facts))
    return ModalView.of(rulebase, disease, facts)
