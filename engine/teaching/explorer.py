"""The interactive explorer: one offline HTML page holding the engine's explanation of every
profile of the space (144 AML and 324 ALL), for teachers to click through and share by link.

The engine stays the only source of truth. Every status, reason, what-if, missing fact and
highlighted passage shown by the page was computed here, by `explain` (durable-rules decides each
profile); the page's script only looks a situation up by its key and displays what it finds.

The full explanations are about 6 MB of JSON, mostly repetition, so the data is normalised: each
distinct reason, citation, what-if, option result, note result and set of highlighted passages is
stored once in a table and referred to by its index.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from markupsafe import Markup

from engine.domain.profile_space import Value, every_profile, facts_of, field_domains
from engine.domain.vocabulary import (
    NOTE_STATUS_WORDS,
    STATUS_HEADINGS,
    STATUS_WORDS,
    disease_label,
    field_label,
    value_label,
)
from engine.reasoning.explainer import explain
from engine.rendering.explanation import citation_location
from engine.rulebase.model import Rulebase
from engine.teaching.source_view import layout_spans
from engine.teaching.templating import asset, environment
from engine.teaching.walkthrough import merge_spans
from schemas.citation import Citation
from schemas.explanation import Explanation, NoteResult, OptionResult, Status

MAX_PAGE_BYTES = 3_000_000
"""The page must stay small enough to mail or upload to a learning platform."""

# A passage cited by items of several statuses is drawn as the most favourable of them.
_STATUS_STRENGTH = (Status.APPLIES, Status.NEEDS_INFORMATION)
_HIGHLIGHTED = frozenset(_STATUS_STRENGTH)


def fact_token(value: Value | None) -> str:
    """A fact as the page's fragment and keys write it: `true`/`false`, the enum value, or ``
    for unknown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def profile_key(explanation: Explanation) -> str:
    """The page's lookup key of a situation: the disease, then each fact's token, `|`-joined."""
    profile = explanation.profile
    facts = facts_of(profile)
    return "|".join(
        [profile.disease, *(fact_token(facts[name]) for name in field_domains(profile.disease))]
    )


def fragment(explanation: Explanation) -> str:
    """The shareable URL fragment of a situation (without `#`): unknown facts omitted."""
    profile = explanation.profile
    parts = [f"disease={profile.disease}"]
    parts += [
        f"{name}={fact_token(value)}"
        for name, value in facts_of(profile).items()
        if value is not None
    ]
    return "&".join(parts)


def disease_names(rulebase: Rulebase) -> dict[str, str]:
    """The rulebase's diseases, in its manifest's order, with the names people read."""
    return {disease: disease_label(disease) for disease in rulebase.options}


def all_explanations(rulebase: Rulebase) -> list[Explanation]:
    """The engine's explanation of every profile of the space, diseases in their usual order."""
    return [
        explain(profile, rulebase=rulebase)
        for disease in rulebase.options
        for profile in every_profile(disease)
    ]


class _Table:
    """Distinct values in first-seen order; `ref` gives a value's index."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self._index: dict[Hashable, int] = {}

    def ref(self, row: Any) -> int:
        key = json.dumps(row, sort_keys=True, ensure_ascii=False)
        if key not in self._index:
            self._index[key] = len(self.rows)
            self.rows.append(row)
        return self._index[key]


class _Builder:
    def __init__(self, rulebase: Rulebase) -> None:
        self.rulebase = rulebase
        self.documents = list(rulebase.sources)
        self.texts = _Table()
        self.reasons = _Table()
        self.citations = _Table()
        self.what_ifs = _Table()
        self.options = _Table()
        self.notes = _Table()
        self.passages = _Table()
        self.passage_sets = _Table()
        self.lists = _Table()
        # Explanations repeat the same frozen (hashable) results many times over: each distinct
        # one is converted once.
        self._seen: dict[Hashable, int] = {}

    def _once(self, key: Hashable, convert: Callable[[], int]) -> int:
        if key not in self._seen:
            self._seen[key] = convert()
        return self._seen[key]

    def citation(self, citation: Citation) -> int:
        return self._once(citation, lambda: self._citation(citation))

    def _citation(self, citation: Citation) -> int:
        return self.citations.ref(
            {
                "d": self.documents.index(citation.document),
                "q": " ".join(citation.quote.split()),
                "s": citation.start,
                "e": citation.end,
                "l": citation_location(citation),
            }
        )

    def what_if(self, field: str, outcomes: Iterable[tuple[Value, str]]) -> int:
        return self.what_ifs.ref(
            {"f": field, "o": [[fact_token(value), status] for value, status in outcomes]}
        )

    def option(self, option: OptionResult, option_index: int) -> int:
        return self._once((option, option_index), lambda: self._option(option, option_index))

    def _option(self, option: OptionResult, option_index: int) -> int:
        return self.options.ref(
            {
                "o": option_index,
                "s": option.status.value,
                "r": [
                    self.reasons.ref(
                        {"t": reason.text, "o": reason.outcome.value, "u": reason.role == "unless"}
                    )
                    for reason in option.reasons
                ],
                "n": option.needs,
                "w": [
                    self.what_if(w.field, [(o.value, o.status.value) for o in w.outcomes])
                    for w in option.what_if
                ],
                "c": [self.citation(c) for c in option.citations],
                "p": [self.texts.ref(note) for note in option.rule_notes],
            }
        )

    def note(self, note: NoteResult) -> int:
        return self._once(note, lambda: self._note(note))

    def _note(self, note: NoteResult) -> int:
        return self.notes.ref(
            {
                "id": note.id,
                "t": self.texts.ref(note.text),
                "s": note.status.value,
                "n": note.needs,
                "w": [
                    self.what_if(w.field, [(o.value, o.status.value) for o in w.outcomes])
                    for w in note.what_if
                ],
                "c": [self.citation(c) for c in note.citations],
            }
        )

    def passage_set(self, explanation: Explanation) -> int:
        """The highlighted passages: the citations of the options that apply or need
        information and of the notes shown, merged where they overlap or touch."""
        citers: list[tuple[str, str, Status, tuple[Citation, ...]]] = [
            ("option", o.id, o.status, o.citations)
            for o in explanation.options
            if o.status in _HIGHLIGHTED
        ]
        citers += [("note", n.id, n.status, n.citations) for n in explanation.notes]
        return self._once(tuple(citers), lambda: self._passage_set(citers))

    def _passage_set(self, citers: list[tuple[str, str, Status, tuple[Citation, ...]]]) -> int:
        refs = []
        for document_index, document in enumerate(self.documents):
            spans = [(c.start, c.end) for *_, cs in citers for c in cs if c.document == document]
            for start, end in merge_spans(spans):
                inside = [
                    (kind, item_id, status)
                    for kind, item_id, status, cs in citers
                    if any(c.document == document and start <= c.start and c.end <= end for c in cs)
                ]
                statuses = {status for *_, status in inside}
                strongest = next(s for s in _STATUS_STRENGTH if s in statuses)
                refs.append(
                    self.passages.ref(
                        {
                            "d": document_index,
                            "s": start,
                            "e": end,
                            "st": strongest.value,
                            "by": [[kind, item_id] for kind, item_id, _ in inside],
                        }
                    )
                )
        return self.passage_sets.ref(refs)


def explorer_data(rulebase: Rulebase, explanations: list[Explanation]) -> dict[str, Any]:
    """Everything the page shows, normalised (see the module docstring)."""
    builder = _Builder(rulebase)
    diseases: dict[str, dict[str, Any]] = {}
    for disease, name in disease_names(rulebase).items():
        domains = field_domains(disease)
        diseases[disease] = {
            "code": disease,
            "name": name,
            "fields": [
                {
                    "name": field,
                    "label": field_label(field),
                    "values": [[fact_token(v), value_label(v)] for v in domain],
                }
                for field, domain in domains.items()
            ],
            "options": [],
            "documents": [],
            "profiles": {},
        }
    option_ids: dict[str, list[str]] = {disease: [] for disease in rulebase.options}
    for explanation in explanations:
        disease = explanation.profile.disease
        entry = diseases[disease]
        ids = option_ids[disease]
        for option in explanation.options:
            if option.id not in ids:
                ids.append(option.id)
                entry["options"].append(
                    {
                        "id": option.id,
                        "title": option.title,
                        "category": option.category,
                        "treatments": option.treatments,
                    }
                )
            for citation in option.citations:
                document_index = builder.documents.index(citation.document)
                if document_index not in entry["documents"]:
                    entry["documents"].append(document_index)
        entry["profiles"][profile_key(explanation)] = [
            [builder.option(option, ids.index(option.id)) for option in explanation.options],
            [builder.note(note) for note in explanation.notes],
            builder.passage_set(explanation),
            builder.lists.ref(list(explanation.missing_information)),
        ]
    first = explanations[0]
    provenance = first.provenance
    return {
        "rulebase": {"version": provenance.rulebase_version, "sha256": provenance.rulebase_sha256},
        "disclaimer": first.disclaimer,
        "statusWords": {s.value: STATUS_WORDS[s] for s in Status},
        "statusHeadings": {s.value: STATUS_HEADINGS[s] for s in Status},
        "noteStatusWords": {s.value: w for s, w in NOTE_STATUS_WORDS.items()},
        "fieldLabels": {
            field: field_label(field)
            for disease in rulebase.options
            for field in field_domains(disease)
        },
        "valueLabels": {
            fact_token(value): value_label(value)
            for disease in rulebase.options
            for domain in field_domains(disease).values()
            for value in domain
        },
        "documents": [
            {
                "id": document.id,
                "title": document.title,
                "publisher": document.publisher,
                "sha256": document.sha256,
                "url": document.url,
                "retrieved": document.retrieved.isoformat() if document.retrieved else None,
                "text": document.text.rstrip(),
                "layout": [list(span) for span in layout_spans(document.text.rstrip())],
            }
            for document in rulebase.sources.values()
        ],
        "diseases": list(diseases.values()),
        "texts": builder.texts.rows,
        "reasons": builder.reasons.rows,
        "citations": builder.citations.rows,
        "whatIfs": builder.what_ifs.rows,
        "optionResults": builder.options.rows,
        "noteResults": builder.notes.rows,
        "passages": builder.passages.rows,
        "passageSets": builder.passage_sets.rows,
        "lists": builder.lists.rows,
    }


def script_json(data: Any) -> Markup:
    """JSON safe inside a `<script type="application/json">` element: `<`, `>` and `&` are
    written as escapes, so no text can close the element or start a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def render_explorer_html(rulebase: Rulebase, explanations: list[Explanation] | None = None) -> str:
    """The explorer page: one self-contained HTML5 document (inline CSS, script and data)."""
    chosen = explanations if explanations is not None else all_explanations(rulebase)
    data = explorer_data(rulebase, chosen)
    provenance = chosen[0].provenance
    return (
        environment()
        .get_template("explorer.html.j2")
        .render(
            title="Maintenance treatment for leukemia: explore every situation",
            css=Markup(asset("explorer.css")),
            script=Markup(asset("explorer.js")),
            data=script_json(data),
            rulebase=provenance,
            documents=list(rulebase.sources.values()),
            diseases=disease_names(rulebase),
            disclaimer=chosen[0].disclaimer,
            status_words=STATUS_WORDS,
            statuses=list(Status),
        )
    )
