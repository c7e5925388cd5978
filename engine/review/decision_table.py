"""The full decision table of one disease: every profile (each field known, each value, or
unknown) and what the rules conclude for it, as CSV, Markdown or JSON.

Rows come from `profile_space.every_profile`, in its order; statuses from the same explanation
that `pathway explain` prints, so the table cannot disagree with it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

from engine.domain.conditions import fields_of
from engine.domain.profile_space import Value, every_profile, facts_of, field_domains
from engine.domain.sentences import NOT_A_RECOMMENDATION
from engine.domain.vocabulary import field_label, value_label
from engine.reasoning.explainer import cached_explanation
from engine.rulebase.model import Rulebase
from schemas.explanation import Status

_GLOSS = re.compile(r" \([^)]*\)")
TABLE_FORMATS = ("markdown", "csv", "json")

MARKS = {Status.APPLIES: "✓", Status.NEEDS_INFORMATION: "?", Status.DOES_NOT_APPLY: "–"}
_MARK_WORDS = {
    Status.APPLIES: "applies: the page describes this option for the situation",
    Status.NEEDS_INFORMATION: "needs information: it depends on the facts listed after the mark",
    Status.DOES_NOT_APPLY: "does not apply: the page does not describe this option for the situation",
}


@dataclass(frozen=True)
class Row:
    facts: dict[str, Value | None]
    statuses: dict[str, tuple[Status, tuple[str, ...]]]  # option id -> (status, needs)
    notes: tuple[tuple[str, Status, tuple[str, ...]], ...]  # conditional notes shown


@dataclass(frozen=True)
class DecisionTable:
    disease: str
    rulebase_version: str
    fields: tuple[str, ...]
    options: tuple[tuple[str, str], ...]  # (id, title), catalogue order
    always_notes: tuple[str, ...]  # notes shown for every profile, listed once
    rows: tuple[Row, ...]


def decision_table(rulebase: Rulebase, disease: str) -> DecisionTable:
    """Every profile of the disease and each option's status and needs."""
    always = tuple(note.id for note in rulebase.notes_of(disease) if not fields_of(note.when))
    rows = []
    for profile in every_profile(disease):
        explanation = cached_explanation(rulebase, profile)
        rows.append(
            Row(
                facts=facts_of(profile),
                statuses={o.id: (o.status, o.needs) for o in explanation.options},
                notes=tuple(
                    (note.id, note.status, note.needs)
                    for note in explanation.notes
                    if note.id not in always
                ),
            )
        )
    return DecisionTable(
        disease=disease,
        rulebase_version=rulebase.version,
        fields=tuple(field_domains(disease)),
        options=tuple((o.id, o.title) for o in rulebase.options.get(disease, ())),
        always_notes=always,
        rows=tuple(rows),
    )


def render_table(table: DecisionTable, output_format: str) -> str:
    if output_format == "csv":
        return _csv(table)
    if output_format == "json":
        return _json(table)
    return _markdown(table)


def _short_label(field: str) -> str:
    # "Philadelphia chromosome (Ph) status" -> "Philadelphia chromosome status": a column header
    # needs the name, not the gloss.
    return _GLOSS.sub("", field_label(field))


def _short_value(value: Value | None) -> str:
    # "ineligible (unable to have a stem cell transplant)" -> "ineligible"; the legend explains it.
    return _GLOSS.sub("", value_label(value))


def _cell(status: Status, needs: tuple[str, ...]) -> str:
    if status is Status.NEEDS_INFORMATION and needs:
        return f"? {', '.join(_short_label(field) for field in needs)}"
    return MARKS[status]


def _markdown(table: DecisionTable) -> str:
    lines = [
        f"# Decision table: {table.disease} (rulebase {table.rulebase_version})",
        "",
        f"Every {table.disease} profile, each fact known (each value) or unknown, and what the "
        f"rules conclude for each maintenance option. {NOT_A_RECOMMENDATION}",
        "",
        "Legend:",
        *(f"- {MARKS[status]} {words}" for status, words in _MARK_WORDS.items()),
        "",
        "Values explained:",
        *(f"- {_short_value(value)}: {value_label(value)}" for value in _explained_values(table)),
        "",
        "Options:",
        *(f"- {option_id}: {title}" for option_id, title in table.options),
        "",
        "Notes shown for every profile: "
        + (", ".join(table.always_notes) if table.always_notes else "none")
        + ". The last column lists the other notes shown (? = depends on the facts listed).",
        "",
    ]
    header = ["#", *(_short_label(f) for f in table.fields), *(o for o, _ in table.options)]
    header.append("Other notes")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for number, row in enumerate(table.rows, start=1):
        cells = [str(number), *(_short_value(row.facts[f]) for f in table.fields)]
        cells += [_cell(*row.statuses[option_id]) for option_id, _ in table.options]
        cells.append(
            "; ".join(
                note_id if status is Status.APPLIES else f"{note_id} {_cell(status, needs)}"
                for note_id, status, needs in row.notes
            )
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _explained_values(table: DecisionTable) -> list[Value]:
    domains = field_domains(table.disease)
    return [
        value
        for field in table.fields
        for value in domains[field]
        if _short_value(value) != value_label(value)
    ]


def _raw(value: Value | None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv(table: DecisionTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = [*table.fields]
    for option_id, _ in table.options:
        header += [option_id, f"{option_id} needs"]
    header.append("notes")
    writer.writerow(header)
    for row in table.rows:
        cells = [_raw(row.facts[f]) for f in table.fields]
        for option_id, _ in table.options:
            status, needs = row.statuses[option_id]
            cells += [status.value, " ".join(needs)]
        cells.append(" ".join(note_id for note_id, _, _ in row.notes))
        writer.writerow(cells)
    return buffer.getvalue()


def _json(table: DecisionTable) -> str:
    document = {
        "disease": table.disease,
        "rulebase_version": table.rulebase_version,
        "always_notes": list(table.always_notes),
        "rows": [
            {
                "profile": {f: row.facts[f] for f in table.fields},
                "options": {
                    option_id: {"status": status.value, "needs": list(needs)}
                    for option_id, (status, needs) in row.statuses.items()
                },
                "notes": [
                    {"id": note_id, "status": status.value, "needs": list(needs)}
                    for note_id, status, needs in row.notes
                ],
            }
            for row in table.rows
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
