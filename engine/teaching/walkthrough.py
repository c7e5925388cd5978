"""A narrated walkthrough of one teaching case, built from `explain` output.

This is the neutral structure the renderers (text, Markdown, HTML) format: every sentence of the
narration is written here, once, so the three formats say the same thing. It adds no option, drug,
condition or advice of its own: each sentence restates the explanation or quotes the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.domain.profile_space import facts_of
from engine.domain.text import normalise_whitespace
from engine.domain.vocabulary import (
    NOTE_STATUS_WORDS,
    STATUS_HEADINGS,
    STATUS_WORDS,
    disease_label,
    field_label,
    value_label,
    values_label,
)
from engine.reasoning.explainer import explain
from engine.rendering.explanation import (
    citation_location,
    profile_lines,
    what_if_text,
)
from engine.rulebase.model import Rulebase
from engine.teaching.cases import LoadedCase
from schemas.citation import Citation
from schemas.explanation import Explanation, NoteResult, OptionResult, Outcome, Status

# A passage cited by items of several statuses is drawn as the most favourable of them.
_STATUS_STRENGTH = (Status.APPLIES, Status.NEEDS_INFORMATION, Status.DOES_NOT_APPLY)


@dataclass(frozen=True)
class Quote:
    """One cited sentence, and the highlighted passage of the page that contains it."""

    citation: Citation
    text: str
    location: str
    passage: str


@dataclass(frozen=True)
class ConditionLine:
    text: str
    outcome: Outcome


@dataclass(frozen=True)
class OptionStep:
    """One option: what the page says, each condition against the facts, and the quotes."""

    number: int
    id: str
    title: str
    status: Status
    verdict: str
    readings: tuple[str, ...]
    conditions: tuple[ConditionLine, ...]
    treatments: tuple[str, ...]
    changes: tuple[str, ...]
    depends_on: tuple[str, ...]
    quotes: tuple[Quote, ...]

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class NoteStep:
    """A duration, scope or caveat statement of the page that bears on this case."""

    id: str
    text: str
    status: Status
    depends_on: tuple[str, ...]
    quotes: tuple[Quote, ...]

    @property
    def status_words(self) -> str:
        return NOTE_STATUS_WORDS[self.status]


@dataclass(frozen=True)
class MissingFact:
    """A fact not given that would change the picture, and how."""

    field: str
    label: str
    effects: tuple[str, ...]


@dataclass(frozen=True)
class CitedBy:
    """A step that cites a passage: `kind` is "option" or "note", `label` e.g. "Step 2"."""

    kind: str
    id: str
    label: str
    title: str


@dataclass(frozen=True)
class Passage:
    """A highlighted span of a document: cited spans merged where they overlap or touch."""

    key: str
    document: str
    start: int
    end: int
    status: Status
    cited_by: tuple[CitedBy, ...]


@dataclass(frozen=True)
class DocumentView:
    id: str
    title: str
    publisher: str
    text: str
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class StatusGroup:
    status: Status
    heading: str
    steps: tuple[OptionStep, ...]


@dataclass(frozen=True)
class Walkthrough:
    """Everything a renderer needs, in reading order."""

    case_id: str
    title: str
    disease: str
    disease_name: str
    introduction: str
    vignette: str
    facts_given: tuple[str, ...]
    facts_unknown: tuple[str, ...]
    steps: tuple[OptionStep, ...]
    summary: tuple[StatusGroup, ...]
    missing: tuple[MissingFact, ...]
    unknown_without_effect: tuple[str, ...]
    notes: tuple[NoteStep, ...]
    learning_points: tuple[str, ...]
    disclaimer: str
    sources: tuple[str, ...]
    documents: tuple[DocumentView, ...]
    explanation: Explanation


def build_walkthrough(loaded: LoadedCase, rulebase: Rulebase) -> Walkthrough:
    """The walkthrough of one case, from `explain` of its profile with `rulebase`."""
    case = loaded.case
    explanation = explain(case.profile, rulebase=rulebase)
    disease = explanation.profile.disease
    passages = _passages(explanation, rulebase)
    where = {
        (c.document, c.start, c.end): p.key
        for p in passages
        for c in _citations(explanation)
        if c.document == p.document and p.start <= c.start and c.end <= p.end
    }
    steps = tuple(
        _option_step(number, option, where)
        for number, option in enumerate(explanation.options, start=1)
    )
    facts = facts_of(explanation.profile)
    lines = profile_lines(explanation)
    given = tuple(
        line for (_, value), line in zip(facts.items(), lines, strict=True) if value is not None
    )
    unknown = tuple(name for name, value in facts.items() if value is None)
    titles = ", ".join(
        f"\u201c{doc.title}\u201d"
        for doc in explanation.provenance.sources
        if doc.document in {p.document for p in passages}
    )
    return Walkthrough(
        case_id=case.id,
        title=case.title,
        disease=disease,
        disease_name=disease_label(disease),
        introduction=(
            f"This walkthrough follows what the Canadian Cancer Society page {titles} says about "
            "maintenance treatment, one option at a time, for the situation described below. "
            "It reports the page; it does not advise."
        ),
        vignette=normalise_whitespace(case.vignette),
        facts_given=given,
        facts_unknown=tuple(field_label(name) for name in unknown),
        steps=steps,
        summary=tuple(
            StatusGroup(
                status, STATUS_HEADINGS[status], tuple(s for s in steps if s.status is status)
            )
            for status in Status
            if any(s.status is status for s in steps)
        ),
        missing=tuple(
            _missing_fact(field, explanation) for field in explanation.missing_information
        ),
        unknown_without_effect=tuple(
            field_label(name) for name in unknown if name not in explanation.missing_information
        ),
        notes=tuple(_note_step(note, where) for note in explanation.notes),
        learning_points=tuple(normalise_whitespace(point) for point in case.learning_points),
        disclaimer=explanation.disclaimer,
        sources=_sources(explanation, {p.document for p in passages}),
        documents=tuple(
            DocumentView(
                id=doc_id,
                title=rulebase.sources[doc_id].title,
                publisher=rulebase.sources[doc_id].publisher,
                text=rulebase.sources[doc_id].text,
                passages=tuple(p for p in passages if p.document == doc_id),
            )
            for doc_id in rulebase.sources
            if any(p.document == doc_id for p in passages)
        ),
        explanation=explanation,
    )


def _citations(explanation: Explanation) -> list[Citation]:
    items: list[OptionResult | NoteResult] = [*explanation.options, *explanation.notes]
    return [citation for item in items for citation in item.citations]


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint spans covering the given ones; spans that overlap or touch become one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _passages(explanation: Explanation, rulebase: Rulebase) -> tuple[Passage, ...]:
    citers: list[tuple[CitedBy, Status, tuple[Citation, ...]]] = [
        (CitedBy("option", o.id, f"Step {n}", o.title), o.status, o.citations)
        for n, o in enumerate(explanation.options, start=1)
    ]
    citers += [
        (CitedBy("note", note.id, "Note", _first_sentence(note.text)), note.status, note.citations)
        for note in explanation.notes
    ]
    passages = []
    for doc_id in rulebase.sources:
        spans = [(c.start, c.end) for _, _, cs in citers for c in cs if c.document == doc_id]
        for start, end in merge_spans(spans):
            inside = [
                (citer, status)
                for citer, status, cs in citers
                if any(c.document == doc_id and start <= c.start and c.end <= end for c in cs)
            ]
            statuses = {status for _, status in inside}
            passages.append(
                Passage(
                    key=f"{doc_id}-{start}",
                    document=doc_id,
                    start=start,
                    end=end,
                    status=next(s for s in _STATUS_STRENGTH if s in statuses),
                    cited_by=tuple(citer for citer, _ in inside),
                )
            )
    return tuple(passages)


def _quotes(
    citations: tuple[Citation, ...], where: dict[tuple[str, int, int], str]
) -> tuple[Quote, ...]:
    return tuple(
        Quote(
            citation=c,
            text=normalise_whitespace(c.quote),
            location=citation_location(c),
            passage=where[(c.document, c.start, c.end)],
        )
        for c in citations
    )


def _option_step(
    number: int, option: OptionResult, where: dict[tuple[str, int, int], str]
) -> OptionStep:
    return OptionStep(
        number=number,
        id=option.id,
        title=option.title,
        status=option.status,
        verdict=_verdict(option),
        readings=option.rule_notes,
        conditions=tuple(ConditionLine(r.text, r.outcome) for r in option.reasons),
        treatments=option.treatments,
        changes=tuple(what_if_text(w) for w in option.what_if),
        depends_on=tuple(field_label(f) for f in option.needs),
        quotes=_quotes(option.citations, where),
    )


def _verdict(option: OptionResult) -> str:
    """One sentence: how the conditions meet the facts, and what that means for the option."""
    if option.status is Status.NEEDS_INFORMATION:
        needs = _and_list([field_label(f) for f in option.needs])
        return f"Whether the page describes this option here depends on facts not given: {needs}."
    if not option.reasons:
        return "The page sets no condition on the patient's situation for this option, so it is described here."
    if option.status is Status.APPLIES:
        has_exception = any(r.role == "unless" for r in option.reasons)
        return (
            "The conditions are met and the exception the page states is not known to hold, so the page describes this option for this situation."
            if has_exception
            else "Every condition the page sets is met, so the page describes this option for this situation."
        )
    blocked = _unique(
        f"{field_label(r.field)}: {values_label(r.expected)}"
        for r in option.reasons
        if r.outcome is Outcome.BLOCKED
    )
    unmet = _unique(
        field_label(r.field)
        for r in option.reasons
        if r.role == "when" and r.outcome is Outcome.NOT_HELD
    )
    parts = []
    if unmet:
        parts.append(f"not met: {_and_list(unmet)}")
    if blocked:
        parts.append(f"the exception the page states holds here — {_and_list(blocked)}")
    why = "; ".join(parts) or "its conditions cannot all be met with these facts"
    return f"The page does not describe this option for this situation ({why})."


def _note_step(note: NoteResult, where: dict[tuple[str, int, int], str]) -> NoteStep:
    return NoteStep(
        id=note.id,
        text=note.text,
        status=note.status,
        depends_on=tuple(field_label(f) for f in note.needs),
        quotes=_quotes(note.citations, where),
    )


def _missing_fact(field: str, explanation: Explanation) -> MissingFact:
    effects = []
    for option in explanation.options:
        for what_if in option.what_if:
            if what_if.field == field:
                effects.append(f"{option.title} — {what_if_text(what_if)}")
    for note in explanation.notes:
        if field in note.needs:
            effects.append(_note_what_if(note, field))
    return MissingFact(field=field, label=field_label(field), effects=tuple(effects))


def _note_what_if(note: NoteResult, field: str) -> str:
    outcomes = [
        f"{value_label(o.value)} → "
        + (
            "not shown"
            if o.status is Status.DOES_NOT_APPLY
            else f"shown ({NOTE_STATUS_WORDS[o.status]})"
        )
        for what_if in note.what_if
        if what_if.field == field
        for o in what_if.outcomes
    ]
    return (
        f"The note \u201c{_first_sentence(note.text)}\u201d — if {field_label(field)} were known: "
        + "; ".join(outcomes)
    )


def _sources(explanation: Explanation, cited: set[str]) -> tuple[str, ...]:
    provenance = explanation.provenance
    lines = [
        f"{s.title} — {s.publisher} ({s.document}, sha256 {s.sha256[:12]}…)"
        for s in provenance.sources
        if s.document in cited
    ]
    lines.append(
        f"Rulebase {provenance.rulebase_version} (sha256 {provenance.rulebase_sha256[:12]}…)"
    )
    return tuple(lines)


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + dot.strip() if dot else text


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
