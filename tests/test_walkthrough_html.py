"""HTML walkthroughs: each page is well-formed, self-contained HTML5, every citation of the
explanation is highlighted with the exact source text, and every link resolves, both ways."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine import Rulebase
from engine.cli import main
from engine.teaching.cases import LoadedCase, bundled_cases, read_case
from engine.teaching.html import render_index_html, render_walkthrough_html
from engine.teaching.source_view import empty_field_spans
from engine.teaching.walkthrough import Walkthrough, build_walkthrough

CASES = bundled_cases()
BY_ID = {loaded.id: loaded for loaded in CASES}
CASE_PARAMS = [pytest.param(loaded, id=loaded.id) for loaded in CASES]
VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "col", "area", "base"}


@dataclass
class Mark:
    id: str
    start: int
    end: int
    text: str = ""
    backrefs: list[str] = field(default_factory=list)


class PageParser(HTMLParser):
    """Checks nesting as it goes and collects ids, links, marks and the source text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.decl: str | None = None
        self.marks: list[Mark] = []
        self.source_text: list[str] = []
        self.links_by_article: dict[str, list[str]] = {}
        self._article: str | None = None
        self._in_source = 0
        self._in_backrefs = False
        self._mark: Mark | None = None
        self.headings: list[int] = []

    def handle_decl(self, decl: str) -> None:
        self.decl = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in VOID:
            self.stack.append(tag)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if "src" in attributes:
            self.srcs.append(str(attributes["src"]))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag == "article":
            self._article = str(attributes["id"])
        if tag == "a" and attributes.get("href"):
            href = str(attributes["href"])
            self.hrefs.append(href)
            if self._article is not None:
                self.links_by_article.setdefault(self._article, []).append(href)
            if self._in_backrefs and self.marks:
                self.marks[-1].backrefs.append(href)
        if tag == "div" and attributes.get("class") == "source-text":
            self._in_source = len(self.stack)
        if tag == "sup" and attributes.get("class") == "backrefs":
            self._in_backrefs = True
        if tag == "mark":
            self._mark = Mark(
                id=str(attributes["id"]),
                start=int(str(attributes["data-start"])),
                end=int(str(attributes["data-end"])),
            )
            self.marks.append(self._mark)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"self-closing <{tag}/>")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        if self._in_source and len(self.stack) == self._in_source and tag == "div":
            self._in_source = 0
        self.stack.pop()
        if tag == "article":
            self._article = None
        if tag == "sup":
            self._in_backrefs = False
        if tag == "mark":
            self._mark = None

    def handle_data(self, data: str) -> None:
        if self._mark is not None:
            self._mark.text += data
        if self._in_source and not self._in_backrefs:
            self.source_text.append(data)


def _parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    return parser


def _check_self_contained(parser: PageParser, allowed_files: set[str]) -> None:
    assert parser.decl is not None and parser.decl.lower() == "doctype html"
    tags = dict(parser.tags)
    assert tags["html"].get("lang") == "en"
    assert any(t == "meta" and a.get("charset") == "utf-8" for t, a in parser.tags)
    assert not any(t in ("script", "link", "iframe", "img", "object") for t, _ in parser.tags)
    assert parser.srcs == []
    assert len(parser.ids) == len(set(parser.ids)), "duplicate ids"
    for href in parser.hrefs:
        if href.startswith("#"):
            assert href[1:] in parser.ids, f"link to a missing anchor: {href}"
        else:
            assert href in allowed_files, f"link outside the page set: {href}"
    # One h1, and no heading skips a level on the way down.
    assert parser.headings.count(1) == 1
    for before, after in itertools.pairwise(parser.headings):
        assert after <= before + 1


def _render(loaded: LoadedCase, rulebase: Rulebase) -> tuple[Walkthrough, PageParser]:
    walkthrough = build_walkthrough(loaded, rulebase)
    return walkthrough, _parse(render_walkthrough_html(walkthrough))


@pytest.mark.parametrize("loaded", CASE_PARAMS)
def test_page_is_well_formed_and_self_contained(loaded: LoadedCase, rulebase: Rulebase) -> None:
    _, parser = _render(loaded, rulebase)
    _check_self_contained(parser, allowed_files={"index.html"})


@pytest.mark.parametrize("loaded", CASE_PARAMS)
def test_every_citation_is_highlighted_and_linked_both_ways(
    loaded: LoadedCase, rulebase: Rulebase
) -> None:
    walkthrough, parser = _render(loaded, rulebase)
    (document,) = walkthrough.documents
    text = rulebase.sources[document.id].text
    marks = parser.marks
    # Highlights are the exact source text, sorted and disjoint (merged where they touch).
    for mark in marks:
        assert mark.text == text[mark.start : mark.end]
    for before, after in itertools.pairwise(marks):
        assert before.end < after.start
    # The page's text is shown whole: tags only wrap it.
    assert "".join(parser.source_text) == text.rstrip()
    explanation = walkthrough.explanation
    items = [("step", o.id, o.citations) for o in explanation.options]
    items += [("note", n.id, n.citations) for n in explanation.notes]
    for kind, item_id, citations in items:
        anchor = f"{kind}-{item_id}"
        assert anchor in parser.ids
        for citation in citations:
            assert citation.document == document.id
            mark = next(m for m in marks if m.start <= citation.start and citation.end <= m.end)
            assert text[citation.start : citation.end] in mark.text
            # Passage → step, and (for option steps) step → passage.
            assert f"#{anchor}" in mark.backrefs
            if kind == "step":
                assert f"#{mark.id}" in parser.links_by_article[anchor]
    # No highlight without a citation behind it.
    cited = [(c.start, c.end) for _, _, cs in items for c in cs]
    for mark in marks:
        assert any(mark.start <= s and e <= mark.end for s, e in cited)
        assert mark.backrefs


def test_special_characters_are_escaped(rulebase: Rulebase, tmp_path: Path) -> None:
    text = BY_ID["aml-favourable-risk"].path.read_text(encoding="utf-8")
    text = text.replace("Priya is 38", 'Priya <b>is</b> 38 & "well"')
    path = tmp_path / "aml-favourable-risk.yaml"
    path.write_text(text, encoding="utf-8")
    walkthrough = build_walkthrough(read_case(path), rulebase)
    page = render_walkthrough_html(walkthrough)
    # Jinja2's autoescape writes a double quote as &#34;.
    assert "Priya &lt;b&gt;is&lt;/b&gt; 38 &amp; &#34;well&#34;" in page
    _parse(page)


def test_cli_writes_pages_and_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "site"
    assert main(["walkthrough", "--format", "html", "--out", str(target)]) == 0
    assert f"Open {target / 'index.html'}" in capsys.readouterr().out
    pages = {p.name for p in target.iterdir()}
    assert pages == {f"{loaded.id}.html" for loaded in CASES} | {"index.html"}
    index = _parse((target / "index.html").read_text(encoding="utf-8"))
    _check_self_contained(index, allowed_files=pages - {"index.html"})
    assert sorted(h for h in index.hrefs if not h.startswith("#")) == sorted(pages - {"index.html"})


def test_index_groups_cases_by_disease(rulebase: Rulebase) -> None:
    walkthroughs = [build_walkthrough(loaded, rulebase) for loaded in CASES[:3]]
    page = render_index_html(walkthroughs)
    assert '<h2 id="disease-all">Acute lymphoblastic leukemia (ALL)</h2>' in page
    assert page.count("<li>") == 3


def test_source_headings_are_headings_and_the_empty_review_line_is_marked(
    rulebase: Rulebase,
) -> None:
    walkthrough, parser = _render(BY_ID["aml-intermediate-no-transplant"], rulebase)
    page = render_walkthrough_html(walkthrough)
    headings = re.findall(r'<h3 class="source-heading">([^<]*)</h3>', page)
    assert headings == [
        "Targeted therapy",
        "Supportive therapy",
        "Clinical trials",
        "Expert review and references",
        "Medical disclaimer",
    ]
    # The stored page's review line has no date: it is set apart (the stylesheet says so),
    # and its text is unchanged.
    assert '<span class="empty-field">Last medical review:</span>' in page
    assert ".empty-field::after" in page
    assert parser.errors == []


def test_empty_fields_are_only_label_lines_without_a_value(rulebase: Rulebase) -> None:
    for document in rulebase.sources.values():
        text = document.text
        assert [text[s:e] for s, e in empty_field_spans(text)] == ["Last medical review:"]
    # A list's lead-in ends in a colon too, but its items follow: not an empty field.
    assert empty_field_spans("Title\n\nIncludes:\n\n  • one\n") == ()
    assert empty_field_spans("Title\n\nReviewed by:\n\nSomeone.\n") != ()


def test_summary_table_cells_carry_their_column_for_narrow_screens(rulebase: Rulebase) -> None:
    page = render_walkthrough_html(build_walkthrough(BY_ID["aml-favourable-risk"], rulebase))
    assert '<table class="summary">' in page
    for label in ("Step", "Option", "Status", "Depends on"):
        assert f'<td data-label="{label}">' in page
