"""Explanations as CDS Hooks cards: one card per option the page describes for the record
(`applies`) or that depends on a fact the record lacks (`needs_information`); options that do not
apply get no card. The detail is Markdown a clinician can read in the EHR's card panel: the quoted
sentences, each condition with the record's value and the resource it came from, what is missing
and what each value would change, the page's notes, and the disclaimer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from engine.domain.vocabulary import STATUS_WORDS, field_label, value_label
from engine.rendering.explanation import citation_location, markdown_note_line, what_if_text
from engine.rulebase.model import Rulebase
from engine.service.cds_models import Card, CardExtension, CardLink, CardSource
from schemas.citation import Citation
from schemas.explanation import ConditionReason, Explanation, OptionResult, Status
from schemas.fhir_reading import Conflict, DiseaseReading, Evidence, IgnoredResource

SUMMARY_MAX = 139
_SUMMARY_ENDINGS = {
    Status.APPLIES: "described for this record",
    Status.NEEDS_INFORMATION: "depends on facts not in the record",
}
_SHOWN = (Status.APPLIES, Status.NEEDS_INFORMATION)
# The mapping's reasons for resources that simply carry no code it knows (vital signs, other
# diagnoses): a chart holds hundreds, and none bears on the page, so cards do not list them.
_UNRELATED_REASONS = ("none of its codes is in the terminology map", "it has no coding to look up")
_MAX_NOT_READ = 10


def cards_for(
    reading: DiseaseReading,
    explanation: Explanation,
    rulebase: Rulebase,
    ignored: Sequence[IgnoredResource] = (),
) -> list[Card]:
    """The cards of one disease's explanation, in the page's option order. `ignored` are the
    record's resources the mapping could not read; those that bear on a fact are named."""
    return [
        _card(option, reading, explanation, rulebase, ignored)
        for option in explanation.options
        if option.status in _SHOWN
    ]


def _card(
    option: OptionResult,
    reading: DiseaseReading,
    explanation: Explanation,
    rulebase: Rulebase,
    ignored: Sequence[IgnoredResource],
) -> Card:
    document_id = option.citations[0].document
    document = rulebase.sources[document_id]
    page_url = document.url or ""
    split = urlsplit(page_url)
    publisher_url = f"{split.scheme}://{split.netloc}" if split.netloc else page_url
    provenance = explanation.provenance
    disease = explanation.profile.disease
    return Card(
        uuid=str(uuid.uuid4()),
        summary=summary(option),
        detail=detail(option, reading, explanation, ignored),
        indicator="info",
        source=CardSource(label=f"{document.publisher}: {document.title}", url=publisher_url),
        links=(
            CardLink(
                label=f"{document.title} ({document.publisher})", url=page_url, type="absolute"
            ),
        ),
        extension=CardExtension(
            disease=disease,
            option=option.id,
            status=option.status.value,
            needs=option.needs,
            source=document_id,
            source_sha256=document.sha256,
            rulebase_version=provenance.rulebase_version,
            rulebase_sha256=provenance.rulebase_sha256,
        ),
    )


def summary(option: OptionResult) -> str:
    """The option and its status in under 140 characters (the specification's limit)."""
    ending = f" — {_SUMMARY_ENDINGS[option.status]}"
    title = option.title
    room = SUMMARY_MAX - len(ending)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + ending


def detail(
    option: OptionResult,
    reading: DiseaseReading,
    explanation: Explanation,
    ignored: Sequence[IgnoredResource] = (),
) -> str:
    """The card's Markdown body."""
    status = STATUS_WORDS[option.status]
    out = [f"**{option.title}** (`{option.id}`) — *{status}*", ""]
    if option.treatments:
        out += [f"**Treatments named:** {'; '.join(option.treatments)}", ""]
    out += ["**The page says:**", "", *_quotes(option.citations), ""]
    if option.reasons:
        out += ["**Conditions, with this record's values:**", ""]
        out += [f"- {_condition(reason, reading)}" for reason in option.reasons]
    else:
        out.append("**Conditions:** none — the page sets no condition on the situation.")
    if option.needs:
        out += ["", "**Missing from the record, and what each value would change:**", ""]
        what_ifs = {what_if.field: what_if for what_if in option.what_if}
        for field in option.needs:
            line = f"- **{field_label(field)}** (`{field}`): not in the record"
            if field in what_ifs:
                line += f"; {what_if_text(what_ifs[field])}"
            out.append(line)
    conflicts = [c for c in reading.conflicts if c.field in option.needs or _reasoned(c, option)]
    if conflicts:
        out += ["", "**Records that disagree (the fact is left unknown):**", ""]
        out += [f"- {_conflict(conflict)}" for conflict in conflicts]
    out += _not_used(reading, ignored)
    if option.rule_notes:
        out += ["", *[f"*Reading:* {note}" for note in option.rule_notes]]
    if explanation.notes:
        out += ["", "**Notes from the page:**", ""]
        for note in explanation.notes:
            out.append(markdown_note_line(note))
            out += [f"  {quote}" for quote in _quotes(note.citations)]
    out += ["", f"> **Important:** {explanation.disclaimer}"]
    return "\n".join(out)


def _not_used(reading: DiseaseReading, ignored: Sequence[IgnoredResource]) -> list[str]:
    """Facts found but not used for this disease, and coded resources that could not be read (a
    preliminary result, an entered-in-error diagnosis), so that nothing is dropped unseen."""
    lines = [
        f"- {_evidence(item)}: not used — {item.reason or 'see the reading'}"
        for item in reading.evidence
        if not item.used
    ]
    related = [item for item in ignored if not item.reason.startswith(_UNRELATED_REASONS)]
    lines += [f"- {item.resource}: not read — {item.reason}" for item in related[:_MAX_NOT_READ]]
    if len(related) > _MAX_NOT_READ:
        lines.append(f"- and {len(related) - _MAX_NOT_READ} more resources not read")
    return ["", "**From the record, not used:**", "", *lines] if lines else []


def _quotes(citations: Sequence[Citation]) -> list[str]:
    return [
        f"> \u201c{' '.join(citation.quote.split())}\u201d — {citation_location(citation)}"
        for citation in citations
    ]


def _condition(reason: ConditionReason, reading: DiseaseReading) -> str:
    text = reason.text
    evidence = [e for e in reading.evidence if e.field == reason.field and e.used]
    if evidence:
        sources = "; ".join(_evidence(item) for item in evidence)
        return f"{text}. From the record: {sources}"
    if reason.actual is None:
        return f"{text}. Not in the record."
    return text


def _evidence(item: Evidence) -> str:
    code = " ".join(part for part in (item.system, item.code) if part)
    display = f" \u201c{item.display}\u201d" if item.display else ""
    return f"{item.resource} ({code}{display}) → {value_label(item.value)}"


def _reasoned(conflict: Conflict, option: OptionResult) -> bool:
    return any(reason.field == conflict.field for reason in option.reasons)


def _conflict(conflict: Conflict) -> str:
    values = ", ".join(value_label(value) for value in conflict.values)
    resources = ", ".join(conflict.resources)
    return f"{field_label(conflict.field)}: the record holds {values} ({resources})"
