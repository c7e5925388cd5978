"""Rendering an Explanation for people: plain text (default) and Markdown. JSON is the model's own."""

from __future__ import annotations

from collections.abc import Callable

from engine.domain.text import normalise_whitespace, wrap
from engine.domain.vocabulary import (
    STATUS_HEADINGS,
    STATUS_WORDS,
    disease_label,
    field_label,
    value_label,
)
from schemas.citation import Citation
from schemas.explanation import Explanation, NoteResult, OptionResult, Status, WhatIf

FORMATS = ("text", "markdown", "json")


def render(explanation: Explanation, output_format: str) -> str:
    renderers: dict[str, Callable[[Explanation], str]] = {
        "text": render_text,
        "markdown": render_markdown,
        "json": lambda e: e.model_dump_json(indent=2) + "\n",
    }
    return renderers[output_format](explanation)


def profile_lines(explanation: Explanation) -> list[str]:
    """One "Field: value" line per profile fact, unknowns included."""
    data = explanation.profile.model_dump(mode="json")
    lines = []
    for name, value in data.items():
        if name == "disease":
            continue
        known = None if value in (None, "unknown") else value
        lines.append(f"{field_label(name)}: {value_label(known)}")
    return lines


def citation_location(citation: Citation) -> str:
    return f"{citation.document}, characters {citation.start}–{citation.end}"


def what_if_text(what_if: WhatIf) -> str:
    outcomes = "; ".join(
        f"{value_label(o.value)} → {STATUS_WORDS[o.status]}" for o in what_if.outcomes
    )
    return f"if {field_label(what_if.field)} were known: {outcomes}"


def affected_by(explanation: Explanation, field: str) -> list[str]:
    items: list[OptionResult | NoteResult] = [*explanation.options, *explanation.notes]
    return [item.id for item in items if field in item.needs]


def render_text(explanation: Explanation) -> str:
    disease = explanation.profile.disease
    title = f"What the documents say: maintenance treatment for {disease_label(disease)}"
    out = [title, "=" * len(title), "", "Profile"]
    out += [f"  {line}" for line in profile_lines(explanation)]
    for status in Status:
        options = [o for o in explanation.options if o.status is status]
        if not options:
            continue
        heading = f"{STATUS_HEADINGS[status]} ({STATUS_WORDS[status]})"
        out += ["", heading, "-" * len(heading)]
        for option in options:
            out += _text_option(option)
    if explanation.notes:
        out += ["", "Notes from the documents", "------------------------"]
        for note in explanation.notes:
            prefix = "" if note.status is Status.APPLIES else "(may apply) "
            out += wrap(f"* {prefix}{note.text}", "  ")
            if note.needs:
                needs = ", ".join(field_label(f) for f in note.needs)
                out += wrap(f"Depends on: {needs}", "    ")
            out += _text_quotes(note.citations)
    out += [
        "",
        "Information that would change the picture",
        "-----------------------------------------",
    ]
    if explanation.missing_information:
        for field in explanation.missing_information:
            affected = ", ".join(affected_by(explanation, field))
            out += wrap(f"- {field_label(field)} ({field}): affects {affected}", "  ")
    else:
        out.append("  None: every option's status is decided by the facts given.")
    out += ["", "Sources"]
    for source in explanation.provenance.sources:
        out += wrap(
            f"{source.title} — {source.publisher} [{source.document}, sha256 {source.sha256[:12]}…]",
            "  ",
        )
    provenance = explanation.provenance
    out.append(
        f"  Rulebase {provenance.rulebase_version} (sha256 {provenance.rulebase_sha256[:12]}…)"
    )
    out += ["", *wrap(f"IMPORTANT: {explanation.disclaimer}", "")]
    return "\n".join(out) + "\n"


def _text_option(option: OptionResult) -> list[str]:
    out = ["", f"* {option.title}  [{option.id}]"]
    if option.treatments:
        out += wrap(f"Treatments named: {'; '.join(option.treatments)}", "    ")
    if option.reasons:
        out.append("    Conditions:")
        for reason in option.reasons:
            out += wrap(f"- {reason.text}", "      ")
    else:
        out += wrap("Conditions: none — the page sets no condition on the situation.", "    ")
    for what_if in option.what_if:
        out += wrap(f"Would change: {what_if_text(what_if)}", "    ")
    for note in option.rule_notes:
        out += wrap(f"Reading: {note}", "    ")
    out.append("    The page says:")
    out += _text_quotes(option.citations)
    return out


def _text_quotes(citations: tuple[Citation, ...]) -> list[str]:
    out = []
    for citation in citations:
        quote = normalise_whitespace(citation.quote)
        out += wrap(f"\u201c{quote}\u201d ({citation_location(citation)})", "      ")
    return out


def render_markdown(explanation: Explanation) -> str:
    disease = explanation.profile.disease
    out = [f"# What the documents say: maintenance treatment for {disease_label(disease)}", ""]
    out += ["> **Important:** " + explanation.disclaimer, "", "## Profile", ""]
    out += [f"- {line}" for line in profile_lines(explanation)]
    out += ["", "## Summary", "", "| Option | Status | Missing information |", "|---|---|---|"]
    for option in explanation.options:
        needs = ", ".join(field_label(f) for f in option.needs) or "—"
        out.append(f"| {option.title} (`{option.id}`) | {STATUS_WORDS[option.status]} | {needs} |")
    for status in Status:
        options = [o for o in explanation.options if o.status is status]
        if not options:
            continue
        out += ["", f"## {STATUS_HEADINGS[status]} ({STATUS_WORDS[status]})"]
        for option in options:
            out += _markdown_option(option)
    if explanation.notes:
        out += ["", "## Notes from the documents", ""]
        for note in explanation.notes:
            out.append(markdown_note_line(note))
            out += [
                f"  > \u201c{normalise_whitespace(c.quote)}\u201d — {citation_location(c)}"
                for c in note.citations
            ]
    out += ["", "## Information that would change the picture", ""]
    if explanation.missing_information:
        for field in explanation.missing_information:
            affected = ", ".join(f"`{item}`" for item in affected_by(explanation, field))
            out.append(f"- **{field_label(field)}** (`{field}`): affects {affected}")
    else:
        out.append("None: every option's status is decided by the facts given.")
    out += ["", "## Sources", ""]
    for source in explanation.provenance.sources:
        out.append(
            f"- *{source.title}*, {source.publisher} (`{source.document}`, sha256 `{source.sha256}`)"
        )
    provenance = explanation.provenance
    out.append(f"- Rulebase {provenance.rulebase_version} (sha256 `{provenance.rulebase_sha256}`)")
    return "\n".join(out) + "\n"


def markdown_note_line(note: NoteResult) -> str:
    """A shown note as a Markdown list item: `(may apply)` when it depends on a missing fact."""
    prefix = "" if note.status is Status.APPLIES else "*(may apply)* "
    depends = f" Depends on: {', '.join(field_label(f) for f in note.needs)}." if note.needs else ""
    return f"- {prefix}{note.text}{depends}"


def _markdown_option(option: OptionResult) -> list[str]:
    out = ["", f"### {option.title} (`{option.id}`)", ""]
    if option.treatments:
        out.append(f"**Treatments named:** {'; '.join(option.treatments)}")
        out.append("")
    if option.reasons:
        out += ["**Conditions:**", ""] + [f"- {reason.text}" for reason in option.reasons]
    else:
        out.append("**Conditions:** none — the page sets no condition on the situation.")
    out += [f"- *Would change:* {what_if_text(w)}" for w in option.what_if]
    out += ["", *[f"*Reading:* {note}" for note in option.rule_notes], "", "**The page says:**", ""]
    for citation in option.citations:
        out += [
            f"> \u201c{normalise_whitespace(citation.quote)}\u201d — {citation_location(citation)}",
            "",
        ]
    return out[:-1]
