"""A walkthrough as plain text, for a terminal or a printout."""

from __future__ import annotations

from engine.domain.sentences import FACTS_ONLY
from engine.domain.text import wrap
from engine.teaching.walkthrough import NoteStep, OptionStep, Quote, Walkthrough


def render_walkthrough_text(walkthrough: Walkthrough) -> str:
    """The narrated case, in reading order, as wrapped plain text."""
    title = f"Case: {walkthrough.title}"
    out = [title, "=" * len(title), f"[{walkthrough.case_id}] {walkthrough.disease_name}", ""]
    out += wrap(walkthrough.introduction, "")
    out += _heading("The situation")
    out += wrap(walkthrough.vignette, "  ")
    out += ["", "  Facts given:"]
    out += [f"    {line}" for line in walkthrough.facts_given] or ["    none"]
    out += ["  Not known:"]
    out += [f"    {label}" for label in walkthrough.facts_unknown] or ["    nothing"]
    out += ["", *wrap(FACTS_ONLY, "  ")]
    out += _heading("Option by option")
    for step in walkthrough.steps:
        out += _step(step)
    out += _heading("Summary")
    out += _summary_table(walkthrough)
    out += _heading("What further information would change the picture")
    if walkthrough.missing:
        for fact in walkthrough.missing:
            out += wrap(f"- {fact.label} is not known. It decides:", "  ")
            for effect in fact.effects:
                out += wrap(f"* {effect}", "      ")
    else:
        out += wrap("Nothing: every option's status is decided by the facts given.", "  ")
    if walkthrough.unknown_without_effect:
        unknown = ", ".join(walkthrough.unknown_without_effect)
        out += wrap(f"Not known, but it changes nothing here: {unknown}.", "  ")
    out += _heading("Notes from the page")
    for note in walkthrough.notes:
        out += _note(note)
    if not walkthrough.notes:
        out += wrap("None of the page's notes bears on this case.", "  ")
    out += _heading("Learning points")
    for number, point in enumerate(walkthrough.learning_points, start=1):
        out += wrap(f"{number}. {point}", "  ")
    out += _heading("Sources")
    for line in walkthrough.sources:
        out += wrap(line, "  ")
    out += ["", *wrap(f"IMPORTANT: {walkthrough.disclaimer}", "")]
    return "\n".join(out) + "\n"


def _heading(text: str) -> list[str]:
    return ["", text, "-" * len(text)]


def _step(step: OptionStep) -> list[str]:
    out = ["", *wrap(f"Step {step.number}. {step.title} — {step.status_words}", "")]
    for reading in step.readings:
        out += wrap(f"In plain words: {reading}", "    ")
    if step.conditions:
        out.append("    Condition by condition:")
        for condition in step.conditions:
            out += wrap(f"- {condition.text}", "      ")
    out += wrap(f"So: {step.verdict}", "    ")
    for change in step.changes:
        out += wrap(f"Would change: {change}", "    ")
    if step.treatments:
        out += wrap(f"Treatments named: {'; '.join(step.treatments)}", "    ")
    out.append("    In the page's words:")
    out += _quotes(step.quotes)
    return out


def _note(note: NoteStep) -> list[str]:
    out = wrap(f"* ({note.status_words}) {note.text}", "  ")
    if note.depends_on:
        out += wrap(f"Depends on: {', '.join(note.depends_on)}", "    ")
    return out + _quotes(note.quotes)


def _quotes(quotes: tuple[Quote, ...]) -> list[str]:
    out = []
    for quote in quotes:
        out += wrap(f"\u201c{quote.text}\u201d ({quote.location})", "      ")
    return out


def _summary_table(walkthrough: Walkthrough) -> list[str]:
    rows = [("Option", "Status", "Depends on")]
    rows += [
        (step.title, step.status_words, ", ".join(step.depends_on) or "—")
        for group in walkthrough.summary
        for step in group.steps
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip() for row in rows]
    lines.insert(1, f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(rows[0][2])}")
    return lines
