"""`explain`: a validated profile and a rulebase in, a frozen Explanation out."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from engine.domain.conditions import Leaf, leaves
from engine.domain.profile_space import Facts, facts_of, field_domains

# Re-exported: callers that explain also validate (engine/reasoning/batch.py imports it here).
from engine.domain.profiles import validate_profile as validate_profile
from engine.domain.text import normalise_whitespace
from engine.domain.vocabulary import field_label, value_label, values_label
from engine.reasoning.cache import explanation_cache
from engine.reasoning.evaluation import Verdict
from engine.reasoning.modal import EnumerationView, ModalView, view_of
from engine.rulebase.loader import load_rulebase
from engine.rulebase.model import LoadedNote, LoadedRule, Rulebase
from schemas.citation import Citation
from schemas.explanation import (
    ConditionReason,
    Explanation,
    NoteResult,
    OptionResult,
    Outcome,
    Provenance,
    SourceProvenance,
    Status,
    WhatIf,
    WhatIfOutcome,
)
from schemas.profile import DiseaseProfile

# The one module-level mutable state: the default rulebase, loaded on first use.
_DEFAULT_RULEBASE_LOCK = threading.Lock()
_default_rulebase: Rulebase | None = None


def default_rulebase() -> Rulebase:
    """The project's own `rules/`, loaded and verified once per process."""
    global _default_rulebase
    with _DEFAULT_RULEBASE_LOCK:
        if _default_rulebase is None:
            _default_rulebase = load_rulebase()
        return _default_rulebase


def explain(
    profile: Mapping[str, Any] | DiseaseProfile, *, rulebase: Rulebase | None = None
) -> Explanation:
    """What the documents say about maintenance options for this profile, and why.

    `profile` is a mapping (e.g. parsed JSON/YAML) or an already validated profile; it is never
    mutated. Raises pydantic.ValidationError for an invalid profile. The same input always gives
    the same Explanation.
    """
    rulebase = rulebase or default_rulebase()
    # Validated against the rulebase's own diseases, so its messages do not depend on which other
    # rulebases this process has loaded.
    validated = validate_profile(profile, rulebase.diseases)
    return cached_explanation(rulebase, validated)


def cached_explanation(rulebase: Rulebase, profile: DiseaseProfile) -> Explanation:
    """`build_explanation`, memoised per rulebase on the validated profile.

    The first call for a profile goes through durable-rules; later calls return the same frozen
    Explanation object. The explanation holds its own copy of the profile, never `profile`.
    """
    return explanation_cache(rulebase).get_or_build(
        profile,
        # Validated again: the explanation holds its own copy of the profile, never `profile`.
        lambda validated: build_explanation(
            rulebase, validate_profile(validated, rulebase.diseases)
        ),
    )


def build_explanation(rulebase: Rulebase, profile: DiseaseProfile) -> Explanation:
    disease = profile.disease
    facts = facts_of(profile)
    view = view_of(rulebase, disease, facts)
    options = tuple(
        _option_result(option_id, rulebase, view, disease, facts)
        for option_id in (option.id for option in rulebase.options.get(disease, ()))
    )
    notes = tuple(
        result
        for note in rulebase.notes_of(disease)
        if (result := _note_result(note, view.judge(note))) is not None
    )
    needed = {field for option in options for field in option.needs}
    needed.update(field for note in notes for field in note.needs)
    return Explanation(
        profile=profile,
        options=options,
        notes=notes,
        missing_information=tuple(f for f in field_domains(disease) if f in needed),
        disclaimer=rulebase.disclaimer,
        provenance=_provenance(rulebase),
    )


def _option_result(
    option_id: str,
    rulebase: Rulebase,
    view: ModalView | EnumerationView,
    disease: str,
    facts: Facts,
) -> OptionResult:
    option = next(o for o in rulebase.options[disease] if o.id == option_id)
    rules = rulebase.rules_concluding(option_id)
    verdict = view.judge(rules)
    return OptionResult(
        id=option.id,
        category=option.category,
        title=option.title,
        treatments=option.treatments,
        status=verdict.status,
        reasons=tuple(reason for rule in rules for reason in _reasons(rule, facts, verdict)),
        needs=verdict.needs,
        what_if=_what_if(verdict),
        citations=_unique(citation for rule in rules for citation in rule.citations),
        rules=tuple(rule.id for rule in rules),
        rule_notes=tuple(normalise_whitespace(rule.reading) for rule in rules),
    )


def _note_result(note: LoadedNote, verdict: Verdict) -> NoteResult | None:
    if verdict.status is Status.DOES_NOT_APPLY:
        return None
    return NoteResult(
        id=note.id,
        text=normalise_whitespace(note.reading),
        status=verdict.status,
        needs=verdict.needs,
        what_if=_what_if(verdict),
        citations=note.citations,
    )


def _what_if(verdict: Verdict) -> tuple[WhatIf, ...]:
    return tuple(
        WhatIf(
            field=field,
            outcomes=tuple(WhatIfOutcome(value=value, status=status) for value, status in outcomes),
        )
        for field, outcomes in verdict.what_if
    )


def _reasons(rule: LoadedRule, facts: Facts, verdict: Verdict) -> list[ConditionReason]:
    blocked = rule.id in verdict.blocked_rules
    reasons = [_reason(rule.id, "when", leaf, facts, blocked=False) for leaf in leaves(rule.when)]
    if rule.unless is not None:
        reasons += [
            _reason(rule.id, "unless", leaf, facts, blocked=blocked) for leaf in leaves(rule.unless)
        ]
    return reasons


_OUTCOME_WORDS = {
    ("when", Outcome.HELD): "met",
    ("when", Outcome.NOT_HELD): "not met",
    ("when", Outcome.UNKNOWN): "not known",
    ("unless", Outcome.HELD): "holds, but the exception as a whole does not",
    ("unless", Outcome.NOT_HELD): "does not hold, so it does not block",
    ("unless", Outcome.UNKNOWN): "not known, and an unknown exception does not block",
    ("unless", Outcome.BLOCKED): "holds, so this exception blocks the option",
}


def _reason(rule_id: str, role: str, leaf: Leaf, facts: Facts, *, blocked: bool) -> ConditionReason:
    actual = facts.get(leaf.field)
    if actual is None:
        outcome = Outcome.UNKNOWN
    elif leaf.holds_for(actual):
        outcome = Outcome.BLOCKED if blocked else Outcome.HELD
    else:
        outcome = Outcome.NOT_HELD
    condition = _condition_text(leaf)
    prefix = "Exception: " if role == "unless" else ""
    return ConditionReason(
        rule=rule_id,
        role="unless" if role == "unless" else "when",
        field=leaf.field,
        operator=leaf.operator,
        expected=leaf.values,
        actual=actual,
        outcome=outcome,
        text=f"{prefix}{condition} — this profile: {value_label(actual)} — "
        f"{_OUTCOME_WORDS[(role, outcome)]}",
    )


def _condition_text(leaf: Leaf) -> str:
    label = field_label(leaf.field)
    if leaf.positive:
        return f"{label}: {values_label(leaf.values)}"
    if len(leaf.values) == 1:
        return f"{label}: not {value_label(leaf.values[0])}"
    return f"{label}: neither {values_label(leaf.values, 'nor')}"


def _provenance(rulebase: Rulebase) -> Provenance:
    return Provenance(
        rulebase_version=rulebase.version,
        rulebase_sha256=rulebase.sha256,
        sources=tuple(
            SourceProvenance(
                document=doc.id,
                title=doc.title,
                publisher=doc.publisher,
                sha256=doc.sha256,
                url=doc.url,
                retrieved=doc.retrieved,
            )
            for doc in rulebase.sources.values()
        ),
    )


def _unique(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(citations))
