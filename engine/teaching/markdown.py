"""A walkthrough as Markdown, for course notes and wikis."""

from __future__ import annotations

from engine.domain.sentences import FACTS_ONLY
from engine.teaching.walkthrough import NoteStep, OptionStep, Quote, Walkthrough


def render_walkthrough_markdown(walkthrough: Walkthrough) -> str:
    """The narrated case, in reading order, as CommonMark with a GitHub-style table."""
    out = [f"# Case: {walkthrough.title}", ""]
    out += [f"*Case `{walkthrough.case_id}` · {walkthrough.disease_name}*", ""]
    out += [walkthrough.introduction, "", "## The situation", "", walkthrough.vignette, ""]
    out += ["**Facts given:**", ""]
    out += [f"- {line}" for line in walkthrough.facts_given] or ["- none"]
    out += ["", "**Not known:**", ""]
    out += [f"- {label}" for label in walkthrough.facts_unknown] or ["- nothing"]
    out += ["", f"*{FACTS_ONLY}*", "", "## Option by option"]
    for step in walkthrough.steps:
        out += _step(step)
    out += ["", "## Summary", "", "| Step | Option | Status | Depends on |", "|---|---|---|---|"]
    for group in walkthrough.summary:
        for step in group.steps:
            depends = ", ".join(step.depends_on) or "—"
            out.append(
                f"| {step.number} | {_cell(step.title)} | {step.status_words} | {_cell(depends)} |"
            )
    out += ["", "## What further information would change the picture", ""]
    if walkthrough.missing:
        for fact in walkthrough.missing:
            out.append(f"- **{fact.label}** is not known. It decides:")
            out += [f"  - {effect}" for effect in fact.effects]
    else:
        out.append("Nothing: every option's status is decided by the facts given.")
    if walkthrough.unknown_without_effect:
        unknown = ", ".join(walkthrough.unknown_without_effect)
        out += ["", f"Not known, but it changes nothing here: {unknown}."]
    out += ["", "## Notes from the page", ""]
    for note in walkthrough.notes:
        out += _note(note)
    if not walkthrough.notes:
        out.append("None of the page's notes bears on this case.")
    out += ["", "## Learning points", ""]
    out += [f"{n}. {point}" for n, point in enumerate(walkthrough.learning_points, start=1)]
    out += ["", "## Sources", ""]
    out += [f"- {line}" for line in walkthrough.sources]
    out += ["", f"> **Important:** {walkthrough.disclaimer}"]
    return "\n".join(out) + "\n"


def _step(step: OptionStep) -> list[str]:
    out = ["", f"### Step {step.number}. {step.title} — {step.status_words}", ""]
    out += [f"*In plain words:* {reading}" for reading in step.readings]
    if step.conditions:
        out += ["", "**Condition by condition:**", ""]
        out += [f"- {condition.text}" for condition in step.conditions]
    out += ["", f"**So:** {step.verdict}"]
    if step.changes:
        out += ["", *[f"- *Would change:* {change}" for change in step.changes]]
    if step.treatments:
        out += ["", f"**Treatments named:** {'; '.join(step.treatments)}"]
    out += ["", "**In the page's words:**", ""]
    return out + _quotes(step.quotes, "")


def _note(note: NoteStep) -> list[str]:
    depends = f" *Depends on: {', '.join(note.depends_on)}.*" if note.depends_on else ""
    out = [f"- **{note.status_words}:** {note.text}{depends}"]
    # One blockquote per note, a paragraph per quote: consecutive `>` lines would run together.
    return out + [line if line.strip() else "  >" for line in _quotes(note.quotes, "  ")]


def _quotes(quotes: tuple[Quote, ...], indent: str) -> list[str]:
    out = []
    for quote in quotes:
        out += [f"{indent}> \u201c{quote.text}\u201d — {quote.location}", ""]
    return out[:-1]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
