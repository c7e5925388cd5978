"""A walkthrough as one self-contained HTML page, beside the full text of the page it cites.

Every cited passage of the source text is wrapped in `<mark id="passage-…">` and linked both ways:
each quote links to its passage, each passage links back to the steps that cite it. No script, no
external asset: inline CSS only, so a page can be mailed, opened from disk or printed. The markup
lives in `templates/` (Jinja2, autoescaped); this module only prepares what the templates show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from engine.domain.profiles import diseases as known_diseases
from engine.domain.sentences import FACTS_ONLY
from engine.teaching.source_view import Segment, segments
from engine.teaching.templating import asset, environment
from engine.teaching.walkthrough import DocumentView, Walkthrough
from schemas.explanation import Outcome, Status

INDEX_FILE = "index.html"
_STATUS_CLASS = {
    Status.APPLIES: "applies",
    Status.NEEDS_INFORMATION: "needs",
    Status.DOES_NOT_APPLY: "not",
}
_OUTCOME_CLASS = {
    Outcome.HELD: "met",
    Outcome.NOT_HELD: "unmet",
    Outcome.UNKNOWN: "unknown",
    Outcome.BLOCKED: "unmet",
}


def page_file(case_id: str) -> str:
    """The file name of a case's page, relative to the index."""
    return f"{case_id}.html"


def passage_anchor(key: str) -> str:
    return f"passage-{key}"


def step_anchor(kind: str, item_id: str) -> str:
    """Anchor of an option step (`step-…`) or a note (`note-…`)."""
    return f"{'step' if kind == 'option' else 'note'}-{item_id}"


def render_walkthrough_html(walkthrough: Walkthrough) -> str:
    """One complete HTML5 document: the walkthrough beside the cited page's text."""
    return _render(
        "walkthrough.html.j2",
        title=f"Case: {walkthrough.title}",
        w=walkthrough,
        documents=[_SourcePanel(document) for document in walkthrough.documents],
        facts_only=FACTS_ONLY,
    )


def render_index_html(walkthroughs: Sequence[Walkthrough]) -> str:
    """The library's contents page: each case with its title, story and status counts."""
    diseases = []
    for disease in [d for d in known_diseases() if any(w.disease == d for w in walkthroughs)]:
        cases = [w for w in walkthroughs if w.disease == disease]
        name = cases[0].disease_name
        diseases.append(
            {"code": disease, "name": name[0].upper() + name[1:], "walkthroughs": cases}
        )
    return _render(
        "index.html.j2",
        title="Maintenance treatment for leukemia: worked cases",
        diseases=diseases,
        disclaimer=walkthroughs[0].disclaimer if walkthroughs else "",
        counts=_counts,
    )


class _SourcePanel:
    """A cited document and its text cut into plain runs, headings and highlighted passages."""

    def __init__(self, view: DocumentView) -> None:
        self.view = view
        # The stored text ends without a newline; trailing spaces would only widen the box.
        self.segments: tuple[Segment, ...] = segments(
            view.text.rstrip(), [(p.start, p.end) for p in view.passages]
        )


def _render(template: str, **context: Any) -> str:
    return (
        environment()
        .get_template(template)
        .render(
            css=Markup(asset("walkthrough.css")),
            index_file=INDEX_FILE,
            page_file=page_file,
            passage_anchor=passage_anchor,
            step_anchor=step_anchor,
            status_class=_STATUS_CLASS,
            outcome_class=_OUTCOME_CLASS,
            **context,
        )
    )


def _counts(walkthrough: Walkthrough) -> str:
    return " · ".join(
        f"{group.steps[0].status_words}: {len(group.steps)}" for group in walkthrough.summary
    )
