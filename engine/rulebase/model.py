"""A loaded, verified rulebase: immutable once built, and the only thing `explain` reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from engine.domain.conditions import Node
from engine.domain.profile_space import Value, field_domains
from engine.errors import ErrorKind, RulebaseError
from engine.matching.compiler import compile_condition, encode_fact
from engine.matching.durable_adapter import DurableMatcher
from engine.matching.limits import CoreLimitExceeded, fit_rule, original_name, pack_rulesets
from engine.matching.modal import Clause
from engine.matching.modal_firing import ModalFiring
from engine.rulebase.sources import SourceDocument
from schemas.citation import Citation
from schemas.rule import NoteSpec, OptionSpec, RuleSpec


@dataclass(frozen=True)
class LoadedItem:
    """What rules and notes share once loaded: where they come from, their conditions (shared
    names resolved, in negation normal form), their resolved citations and their reading."""

    item_kind: ClassVar[Literal["rule", "note"]]
    id: str
    disease: str
    path: Path
    when: Node
    unless: Node | None
    citations: tuple[Citation, ...]
    reading: str
    """A rule's plain-language reading, or the statement a note shows."""


@dataclass(frozen=True)
class LoadedRule(LoadedItem):
    item_kind: ClassVar[Literal["rule", "note"]] = "rule"
    spec: RuleSpec
    concludes: str


@dataclass(frozen=True)
class LoadedNote(LoadedItem):
    item_kind: ClassVar[Literal["rule", "note"]] = "note"
    spec: NoteSpec


def when_name(item_id: str) -> str:
    """The durable-rules rule name of a rule's (or note's) `when`."""
    return f"{item_id}|when"


def unless_name(item_id: str) -> str:
    return f"{item_id}|unless"


class Firing:
    """Which compiled conditions durable-rules fires for a complete profile, memoised.

    The profile space is finite and the rulebase immutable, so each complete profile is asked of
    durable-rules once; the memo is keyed on the full fact and owned by one rulebase.
    """

    def __init__(self, rules: tuple[LoadedRule, ...], notes: tuple[LoadedNote, ...]) -> None:
        self._rulesets: dict[str, tuple[str, ...]] = {}
        compiled_by_disease: dict[str, dict[str, dict[str, object] | None]] = {}
        items: tuple[LoadedItem, ...] = (*rules, *notes)
        for item in items:
            conditions = compiled_by_disease.setdefault(item.disease, {})
            conditions.update(_fitted(item, "when", when_name(item.id), item.when))
            if item.unless is not None:
                conditions.update(_fitted(item, "unless", unless_name(item.id), item.unless))
        all_rulesets = {}
        for disease, conditions in compiled_by_disease.items():
            rulesets = pack_rulesets(disease.lower(), conditions)
            self._rulesets[disease] = tuple(rulesets)
            all_rulesets.update(rulesets)
        self._matcher = DurableMatcher(all_rulesets)
        clauses: dict[str, list[Clause]] = {}
        for item in items:
            clauses.setdefault(item.disease, []).append(Clause(item.id, item.when, item.unless))
        # The same conditions in modal form, for partly known profiles (registered on first use).
        self.modal = ModalFiring(clauses, {d: field_domains(d) for d in clauses})
        # No lock: a single dict get or set is atomic under the GIL, and a lock here could be
        # left held in a fork child by a thread of the parent.
        self._memo: dict[tuple[str, tuple[tuple[str, str], ...]], frozenset[str]] = {}

    def fired(self, disease: str, complete_facts: Mapping[str, Value]) -> frozenset[str]:
        fact = encode_fact(complete_facts)
        key = (disease, tuple(sorted(fact.items())))
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        fired = self._ask(disease, fact)
        self._memo[key] = fired
        return fired

    def _ask(self, disease: str, fact: dict[str, str]) -> frozenset[str]:
        return frozenset(
            original_name(name)
            for ruleset in self._rulesets.get(disease, ())
            for name in self._matcher.fired(ruleset, fact)
        )


def _fitted(
    item: LoadedItem, part: str, name: str, condition: Node
) -> dict[str, dict[str, object] | None]:
    """The durable rules for one condition, split to fit the C core's limits, or a
    RulebaseError naming the file and the rule when it cannot fit."""
    try:
        return fit_rule(name, compile_condition(condition))
    except CoreLimitExceeded as error:
        raise RulebaseError(
            error.what,
            error.fix,
            path=item.path,
            rule_id=item.id,
            field=part,
            kind=ErrorKind.ENGINE_LIMIT,
        ) from None


@dataclass(frozen=True, eq=False)
class Rulebase:
    """Everything loaded from one rules directory. Build it with `load_rulebase`."""

    root: Path
    version: str
    sha256: str
    sources: Mapping[str, SourceDocument]
    options: Mapping[str, tuple[OptionSpec, ...]]  # by disease, catalogue order
    rules: tuple[LoadedRule, ...]
    notes: tuple[LoadedNote, ...]
    disclaimer: str
    disclaimer_citation: Citation
    firing: Firing = field(repr=False)

    def __repr__(self) -> str:
        return f"Rulebase(version={self.version!r}, root={str(self.root)!r})"

    def display_path(self, path: Path) -> str:
        """A rule file's path as reports show it: relative to the rules directory's parent
        (e.g. `rules/aml.yaml`), or as given when it lies elsewhere."""
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def rules_concluding(self, option_id: str) -> tuple[LoadedRule, ...]:
        return tuple(rule for rule in self.rules if rule.concludes == option_id)

    @property
    def diseases(self) -> tuple[str, ...]:
        """The diseases of the rule files, in manifest order."""
        return tuple(self.options)

    @property
    def items(self) -> tuple[LoadedItem, ...]:
        """Every rule, then every note, in file order."""
        return (*self.rules, *self.notes)

    def notes_of(self, disease: str) -> tuple[LoadedNote, ...]:
        return tuple(note for note in self.notes if note.disease == disease)
