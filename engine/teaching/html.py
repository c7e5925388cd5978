"""A walkthrough as one self-contained HTML page, beside the full text of the page it cites.

Every cited passage of the source text is wrapped in `<mark id="passage-…">` and linked both ways:
each quote links to its passage, each passage links back to the steps that cite it. No script, no
external asset: inline CSS only, so a page can be mailed, opened from disk or printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from engine.domain.profiles import diseases
from engine.domain.sentences import FACTS_ONLY
from engine.teaching.walkthrough import (
    CitedBy,
    DocumentView,
    NoteStep,
    OptionStep,
    Quote,
    Walkthrough,
)
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

_CSS = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4a4a4a; --link: #0b4f9c; --rule: #c9c9c9;
  --applies: #ffe27a; --needs: #cfe2ff; --not: #e4e4e4; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 1rem/1.55 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--link); }
a:focus-visible, mark:target, article:target, li:target { outline: 3px solid #8a4b00;
  outline-offset: 2px; }
header.page, footer.page { max-width: 1400px; margin: 0 auto; padding: 1rem 1.5rem; }
header.page h1 { margin: 0.2rem 0; font-size: 1.7rem; line-height: 1.25; }
.meta, .crumbs { color: var(--muted); margin: 0.2rem 0; }
.layout { max-width: 1400px; margin: 0 auto; padding: 0 1.5rem 2rem; display: grid;
  grid-template-columns: minmax(0, 11fr) minmax(0, 9fr); gap: 2rem; align-items: start; }
main h2, .source h2 { font-size: 1.3rem; border-bottom: 2px solid var(--rule);
  padding-bottom: 0.2rem; margin-top: 1.8rem; }
h3 { font-size: 1.1rem; margin: 0 0 0.4rem; }
h4 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; }
article.step { border: 1px solid var(--rule); border-left-width: 6px; border-radius: 4px;
  padding: 0.8rem 1rem; margin: 1rem 0; }
article.step.applies { border-left-color: #b58900; }
article.step.needs { border-left-color: #2f64b5; }
article.step.not { border-left-color: #7a7a7a; }
.badge { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 0.05rem 0.5rem;
  border-radius: 1rem; border: 1px solid currentColor; vertical-align: middle; white-space: nowrap; }
.badge.applies { color: #6b4a00; background: #fff6d6; }
.badge.needs { color: #143f80; background: #e8f0ff; }
.badge.not { color: #3a3a3a; background: #f2f2f2; }
ul.conditions { padding-left: 1.2rem; }
ul.conditions li::marker { font-weight: 700; }
ul.conditions li.met::marker { content: "✓  "; color: #1d6b2f; }
ul.conditions li.unmet::marker { content: "✗  "; color: #9b1c1c; }
ul.conditions li.unknown::marker { content: "?  "; color: #143f80; }
blockquote { margin: 0.5rem 0; padding: 0.3rem 0.8rem; border-left: 4px solid var(--rule);
  background: #fafafa; }
blockquote p { margin: 0.2rem 0; }
.where { font-size: 0.85rem; color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.3rem; }
th, td { border: 1px solid var(--rule); padding: 0.35rem 0.5rem; text-align: left;
  vertical-align: top; }
th { background: #f2f2f2; }
.important { border: 2px solid #8a4b00; background: #fff8ec; padding: 0.6rem 0.9rem;
  border-radius: 4px; margin-top: 2rem; }
.source { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 0 0.5rem 1rem;
  border-left: 1px solid var(--rule); }
.source .legend { font-size: 0.9rem; color: var(--muted); }
.swatch { padding: 0 0.3rem; border-radius: 2px; color: var(--ink); }
.source-text { white-space: pre-wrap; font-family: Georgia, "Times New Roman", serif;
  font-size: 0.95rem; line-height: 1.6; overflow-wrap: anywhere; }
mark, .swatch { color: var(--ink); }
mark.applies, .swatch.applies { background: var(--applies); }
mark.needs, .swatch.needs { background: var(--needs); }
mark.not, .swatch.not { background: var(--not); text-decoration: underline dashed #6a6a6a;
  text-underline-offset: 0.25em; }
sup.backrefs { font-family: system-ui, sans-serif; font-size: 0.7rem; line-height: 0; }
sup.backrefs a { margin-left: 0.2rem; white-space: nowrap; }
ul.cases { list-style: none; padding: 0; }
ul.cases li { border: 1px solid var(--rule); border-radius: 4px; padding: 0.6rem 0.9rem;
  margin: 0.7rem 0; }
ul.cases h3 { margin: 0; }
.counts { font-size: 0.9rem; color: var(--muted); margin: 0.3rem 0 0; }
header.page.index, main.index { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem; }
@media (max-width: 900px) {
  .layout { display: block; }
  .source { position: static; max-height: none; overflow: visible; border-left: 0; }
}
@media print {
  body { font-size: 10.5pt; }
  .crumbs, sup.backrefs { display: none; }
  .layout { display: block; padding: 0; }
  .source { position: static; max-height: none; overflow: visible; border: 0;
    break-before: page; }
  a { color: inherit; text-decoration: none; }
  mark, .swatch, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  mark { outline: 1px solid #555; }
  article.step, blockquote, tr { break-inside: avoid; }
}
"""


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
    main = [
        f"<p>{escape(walkthrough.introduction)}</p>",
        *_situation(walkthrough),
        '<section aria-labelledby="options">',
        '<h2 id="options">Option by option</h2>',
        *[line for step in walkthrough.steps for line in _step(step)],
        "</section>",
        *_summary(walkthrough),
        *_missing(walkthrough),
        *_notes(walkthrough.notes),
        '<section aria-labelledby="learning-points">',
        '<h2 id="learning-points">Learning points</h2>',
        "<ol>",
        *[f"<li>{escape(point)}</li>" for point in walkthrough.learning_points],
        "</ol>",
        "</section>",
        '<section aria-labelledby="sources">',
        '<h2 id="sources">Sources</h2>',
        "<ul>",
        *[f"<li>{escape(line)}</li>" for line in walkthrough.sources],
        "</ul>",
        "</section>",
        '<aside class="important" aria-label="Important">',
        f"<p><strong>Important:</strong> {escape(walkthrough.disclaimer)}</p>",
        "</aside>",
    ]
    body = [
        '<header class="page">',
        f'<p class="crumbs"><a href="{INDEX_FILE}">All cases</a></p>',
        f"<h1>Case: {escape(walkthrough.title)}</h1>",
        f'<p class="meta">Case <code>{escape(walkthrough.case_id)}</code> · '
        f"{escape(walkthrough.disease_name)}</p>",
        "</header>",
        '<div class="layout">',
        "<main>",
        *main,
        "</main>",
        *[line for document in walkthrough.documents for line in _document(document)],
        "</div>",
    ]
    return _html_document(f"Case: {walkthrough.title}", body)


def render_index_html(walkthroughs: Sequence[Walkthrough]) -> str:
    """The library's contents page: each case with its title, story and status counts."""
    body = [
        '<header class="page index">',
        "<h1>Maintenance treatment for leukemia: worked cases</h1>",
        "<p>Each case follows what a Canadian Cancer Society page says about maintenance "
        "treatment for one situation, option by option, with the page's own sentences "
        "highlighted beside it.</p>",
        "</header>",
        '<main class="index">',
    ]
    for disease in [d for d in diseases() if any(w.disease == d for w in walkthroughs)]:
        cases = [w for w in walkthroughs if w.disease == disease]
        name = cases[0].disease_name
        body += [
            f'<section aria-labelledby="disease-{escape(disease.lower())}">',
            f'<h2 id="disease-{escape(disease.lower())}">{escape(name[0].upper() + name[1:])}</h2>',
            '<ul class="cases">',
        ]
        for walkthrough in cases:
            body += [
                "<li>",
                f'<h3><a href="{escape(page_file(walkthrough.case_id))}">'
                f"{escape(walkthrough.title)}</a></h3>",
                f"<p>{escape(walkthrough.vignette)}</p>",
                f'<p class="counts">{escape(_counts(walkthrough))}</p>',
                "</li>",
            ]
        body += ["</ul>", "</section>"]
    disclaimer = walkthroughs[0].disclaimer if walkthroughs else ""
    body += [
        '<aside class="important" aria-label="Important">',
        f"<p><strong>Important:</strong> {escape(disclaimer)}</p>",
        "</aside>",
        "</main>",
    ]
    return _html_document("Maintenance treatment for leukemia: worked cases", body)


def _html_document(title: str, body: list[str]) -> str:
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def _counts(walkthrough: Walkthrough) -> str:
    return " · ".join(
        f"{group.steps[0].status_words}: {len(group.steps)}" for group in walkthrough.summary
    )


def _situation(walkthrough: Walkthrough) -> list[str]:
    given = [f"<li>{escape(line)}</li>" for line in walkthrough.facts_given] or ["<li>none</li>"]
    unknown = [f"<li>{escape(label)}</li>" for label in walkthrough.facts_unknown]
    return [
        '<section aria-labelledby="situation">',
        '<h2 id="situation">The situation</h2>',
        f"<p>{escape(walkthrough.vignette)}</p>",
        "<h3>Facts given</h3>",
        "<ul>",
        *given,
        "</ul>",
        "<h3>Not known</h3>",
        "<ul>",
        *(unknown or ["<li>nothing</li>"]),
        "</ul>",
        f'<p class="meta"><em>{escape(FACTS_ONLY)}</em></p>',
        "</section>",
    ]


def _step(step: OptionStep) -> list[str]:
    status = _STATUS_CLASS[step.status]
    out = [
        f'<article class="step {status}" id="{step_anchor("option", step.id)}" '
        f'aria-labelledby="{step_anchor("option", step.id)}-title">',
        f'<h3 id="{step_anchor("option", step.id)}-title">Step {step.number}. '
        f'{escape(step.title)} <span class="badge {status}">{escape(step.status_words)}</span></h3>',
        *[f"<p><em>In plain words:</em> {escape(reading)}</p>" for reading in step.readings],
    ]
    if step.conditions:
        out += ["<h4>Condition by condition</h4>", '<ul class="conditions">']
        out += [
            f'<li class="{_OUTCOME_CLASS[c.outcome]}">{escape(c.text)}</li>'
            for c in step.conditions
        ]
        out.append("</ul>")
    out.append(f"<p><strong>So:</strong> {escape(step.verdict)}</p>")
    if step.changes:
        out += ["<ul>", *[f"<li><em>Would change:</em> {escape(c)}</li>" for c in step.changes]]
        out.append("</ul>")
    if step.treatments:
        out.append(
            f"<p><strong>Treatments named:</strong> {escape('; '.join(step.treatments))}</p>"
        )
    out += ["<h4>In the page\u2019s words</h4>", *_quotes(step.quotes), "</article>"]
    return out


def _quotes(quotes: tuple[Quote, ...]) -> list[str]:
    return [
        f"<blockquote><p>\u201c{escape(quote.text)}\u201d</p>"
        f'<p class="where"><a href="#{passage_anchor(quote.passage)}">'
        f"{escape(quote.location)} — show in the page</a></p></blockquote>"
        for quote in quotes
    ]


def _summary(walkthrough: Walkthrough) -> list[str]:
    rows = [
        f'<tr><td><a href="#{step_anchor("option", step.id)}">Step {step.number}</a></td>'
        f"<td>{escape(step.title)}</td>"
        f'<td><span class="badge {_STATUS_CLASS[step.status]}">{escape(step.status_words)}</span></td>'
        f"<td>{escape(', '.join(step.depends_on) or '—')}</td></tr>"
        for group in walkthrough.summary
        for step in group.steps
    ]
    return [
        '<section aria-labelledby="summary">',
        '<h2 id="summary">Summary</h2>',
        "<table>",
        "<caption>Options by status</caption>",
        '<thead><tr><th scope="col">Step</th><th scope="col">Option</th>'
        '<th scope="col">Status</th><th scope="col">Depends on</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</section>",
    ]


def _missing(walkthrough: Walkthrough) -> list[str]:
    out = [
        '<section aria-labelledby="missing">',
        '<h2 id="missing">What further information would change the picture</h2>',
    ]
    if walkthrough.missing:
        out.append("<ul>")
        for fact in walkthrough.missing:
            out += [f"<li><strong>{escape(fact.label)}</strong> is not known. It decides:", "<ul>"]
            out += [f"<li>{escape(effect)}</li>" for effect in fact.effects]
            out += ["</ul>", "</li>"]
        out.append("</ul>")
    else:
        out.append("<p>Nothing: every option\u2019s status is decided by the facts given.</p>")
    if walkthrough.unknown_without_effect:
        unknown = ", ".join(walkthrough.unknown_without_effect)
        out.append(f"<p>Not known, but it changes nothing here: {escape(unknown)}.</p>")
    return [*out, "</section>"]


def _notes(notes: tuple[NoteStep, ...]) -> list[str]:
    out = [
        '<section aria-labelledby="notes">',
        '<h2 id="notes">Notes from the page</h2>',
    ]
    if not notes:
        return [*out, "<p>None of the page\u2019s notes bears on this case.</p>", "</section>"]
    out.append("<ul>")
    for note in notes:
        status = _STATUS_CLASS[note.status]
        depends = (
            f" <em>Depends on: {escape(', '.join(note.depends_on))}.</em>"
            if note.depends_on
            else ""
        )
        out += [
            f'<li id="{step_anchor("note", note.id)}"><span class="badge {status}">'
            f"{escape(note.status_words)}</span> {escape(note.text)}{depends}",
            *_quotes(note.quotes),
            "</li>",
        ]
    return [*out, "</ul>", "</section>"]


def _document(document: DocumentView) -> list[str]:
    return [
        f'<aside class="source" aria-labelledby="source-{escape(document.id)}">',
        f'<h2 id="source-{escape(document.id)}">The page: \u201c{escape(document.title)}\u201d</h2>',
        f'<p class="legend">{escape(document.publisher)}. The full stored text, with every passage '
        "this walkthrough cites highlighted: "
        '<span class="swatch applies">described</span> '
        '<span class="swatch needs">depends on information not given</span> '
        '<span class="swatch not">not described</span>. '
        "The links after a passage go back to the steps that cite it.</p>",
        f'<div class="source-text">{_marked_text(document)}</div>',
        "</aside>",
    ]


def _marked_text(document: DocumentView) -> str:
    parts = []
    cursor = 0
    for passage in document.passages:
        parts.append(escape(document.text[cursor : passage.start]))
        parts.append(
            f'<mark id="{passage_anchor(passage.key)}" class="{_STATUS_CLASS[passage.status]}" '
            f'data-start="{passage.start}" data-end="{passage.end}">'
            f"{escape(document.text[passage.start : passage.end])}</mark>"
        )
        parts.append(_backrefs(passage.cited_by))
        cursor = passage.end
    parts.append(escape(document.text[cursor:]))
    # The stored text ends without a newline; trailing spaces would only widen the box.
    return "".join(parts).rstrip()


def _backrefs(cited_by: tuple[CitedBy, ...]) -> str:
    links = "".join(
        f'<a href="#{step_anchor(c.kind, c.id)}" title="{escape(c.title)}">↩\u00a0{escape(c.label)}</a>'
        for c in cited_by
    )
    return f'<sup class="backrefs">{links}</sup>'
