"""A loaded, verified rulebase: immutable once built, and the only thing `explain` reads."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.domain.conditions import Node
from engine.domain.profile_space import Value
from engine.matching.compiler import compile_condition, encode_fact, split_into_rulesets
from engine.matching.durable_adapter import DurableMatcher
from engine.rulebase.sources import SourceDocument
from schemas.citation import Citation
from schemas.rule import NoteSpec, OptionSpec, RuleSpec


@dataclass(frozen=True)
class LoadedRule:
    spec: RuleSpec
    disease: str
    path: Path
    when: Node
    unless: Node | None
    citations: tuple[Citation, ...]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class LoadedNote:
    spec: NoteSpec
    disease: str
    path: Path
    when: Node
    citations: tuple[Citation, ...]

    @property
    def id(self) -> str:
        return self.spec.id


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
        items: tuple[LoadedRule | LoadedNote, ...] = (*rules, *notes)
        for item in items:
            conditions = compiled_by_disease.setdefault(item.disease, {})
            conditions[when_name(item.id)] = compile_condition(item.when)
            if isinstance(item, LoadedRule) and item.unless is not None:
                conditions[unless_name(item.id)] = compile_condition(item.unless)
        all_rulesets = {}
        for disease, conditions in compiled_by_disease.items():
            rulesets = split_into_rulesets(disease.lower(), conditions)
            self._rulesets[disease] = tuple(rulesets)
            all_rulesets.update(rulesets)
        self._matcher = DurableMatcher(all_rulesets)
        self._memo: dict[tuple[str, tuple[tuple[str, str], ...]], frozenset[str]] = {}
        self._memo_lock = threading.Lock()

    def fired(self, disease: str, complete_facts: Mapping[str, Value]) -> frozenset[str]:
        fact = encode_fact(complete_facts)
        key = (disease, tuple(sorted(fact.items())))
        with self._memo_lock:
            cached = self._memo.get(key)
        if cached is not None:
            return cached
        fired = frozenset().union(
            *(self._matcher.fired(ruleset, fact) for ruleset in self._rulesets.get(disease, ()))
        )
        with self._memo_lock:
            self._memo[key] = fired
        return fired

    def fired_uncached(self, disease: str, complete_facts: Mapping[str, Value]) -> frozenset[str]:
        """The same, always asking durable-rules (for tests and the benchmark's reference)."""
        fact = encode_fact(complete_facts)
        return frozenset().union(
            *(self._matcher.fired(ruleset, fact) for ruleset in self._rulesets.get(disease, ()))
        )


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
        return tuple(rule for rule in self.rules if rule.spec.concludes == option_id)

    def notes_of(self, disease: str) -> tuple[LoadedNote, ...]:
        return tuple(note for note in self.notes if note.disease == disease)
