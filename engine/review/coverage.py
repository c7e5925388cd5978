"""Coverage of the documents by the rules: each statement is covered, waived or uncovered.

- Covered: a rule or note citation covers it. A citation covers a statement when their spans
  overlap and either the citation lies wholly inside the statement (a quoted clause counts: the
  rule encodes that sentence) or the overlap is at least half of the statement. The second arm
  lets a quote that runs over several statements cover each of them, while a quote that merely
  spills a few words into a neighbour does not cover the neighbour. A citation that covers only
  part of a statement is reported as `partly` so a reviewer can see it. Bullet statements start
  after the "•", so an item quoted without its bullet covers it exactly.
- Waived: a quote of `rules/coverage-waivers.yaml` contains the whole statement.
- Uncovered: neither.

Problems (each makes `pathway coverage` exit 1): an uncovered statement; a waiver quote that is
not in its document (stale), that occurs more than once, or that contains no whole statement; a
statement both waived and covered; a waiver naming an unknown document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.inputs.rule_files import read_yaml_model
from engine.review.statements import Statement, split_statements
from engine.rulebase.model import Rulebase
from engine.rulebase.sources import SourceDocument
from engine.suggestions import did_you_mean
from schemas.citation import Citation
from schemas.coverage import Waiver, WaiverFile

WAIVERS_FILE = "coverage-waivers.yaml"

State = Literal["covered", "waived", "uncovered"]


@dataclass(frozen=True)
class Cover:
    """A rule or note whose citation covers a statement."""

    item_id: str
    item_kind: Literal["rule", "note"]
    file: str


@dataclass(frozen=True)
class StatementCoverage:
    statement: Statement
    state: State
    covered_by: tuple[Cover, ...]
    fully: bool  # the covering citations together span the whole statement
    waiver: Waiver | None


@dataclass(frozen=True)
class DocumentCoverage:
    document: str
    title: str
    statements: tuple[StatementCoverage, ...]

    def count(self, state: State) -> int:
        return sum(1 for item in self.statements if item.state == state)


@dataclass(frozen=True)
class CoverageProblem:
    document: str
    message: str


@dataclass(frozen=True)
class CoverageReport:
    documents: tuple[DocumentCoverage, ...]
    problems: tuple[CoverageProblem, ...]
    waivers_path: Path

    @property
    def clean(self) -> bool:
        return not self.problems


def read_waivers(rules_dir: Path) -> tuple[Waiver, ...]:
    """The waivers of a rules directory; none when the file does not exist."""
    path = rules_dir / WAIVERS_FILE
    if not path.is_file():
        return ()
    return read_yaml_model(path, WaiverFile).waivers


def covers(citation: Citation, statement: Statement) -> bool:
    """The overlap rule of the module docstring."""
    overlap = min(citation.end, statement.end) - max(citation.start, statement.start)
    if overlap <= 0:
        return False
    inside = statement.start <= citation.start and citation.end <= statement.end
    return inside or 2 * overlap >= statement.end - statement.start


def coverage_report(rulebase: Rulebase, document_ids: tuple[str, ...] = ()) -> CoverageReport:
    """Coverage of the named documents (default: all) by the rulebase and its waivers."""
    waivers = read_waivers(rulebase.root)
    problems: list[CoverageProblem] = []
    for waiver in waivers:
        if waiver.document not in rulebase.sources:
            problems.append(
                CoverageProblem(
                    waiver.document,
                    f"waiver names unknown document '{waiver.document}' "
                    f"(known: {', '.join(sorted(rulebase.sources))})",
                )
            )
    documents = []
    for document_id in document_ids or tuple(rulebase.sources):
        document_coverage, document_problems = _document_coverage(rulebase, document_id, waivers)
        documents.append(document_coverage)
        problems.extend(document_problems)
    return CoverageReport(tuple(documents), tuple(problems), rulebase.root / WAIVERS_FILE)


def _document_coverage(
    rulebase: Rulebase, document_id: str, waivers: tuple[Waiver, ...]
) -> tuple[DocumentCoverage, list[CoverageProblem]]:
    source = rulebase.sources[document_id]
    statements = split_statements(document_id, source.text)
    problems: list[CoverageProblem] = []
    waived: dict[int, Waiver] = {}
    for entry in (w for w in waivers if w.document == document_id):
        for quote in entry.quotes:
            for statement in _waived_statements(source, statements, quote, problems):
                waived[statement.number] = entry

    items = rulebase.items
    results = []
    for statement in statements:
        covering = [
            (item, citation)
            for item in items
            for citation in item.citations
            if citation.document == document_id and covers(citation, statement)
        ]
        by = tuple(
            dict.fromkeys(
                Cover(
                    item.id,
                    item.item_kind,
                    rulebase.display_path(item.path),
                )
                for item, _ in covering
            )
        )
        waiver = waived.get(statement.number)
        if by and waiver is not None:
            problems.append(
                CoverageProblem(
                    document_id,
                    f"statement {statement.number} is both waived ({waiver.kind}) and covered by "
                    f"{', '.join(c.item_id for c in by)}: {statement.text!r}; "
                    "remove it from the waivers",
                )
            )
        state: State = "covered" if by else "waived" if waiver is not None else "uncovered"
        if state == "uncovered":
            problems.append(
                CoverageProblem(
                    document_id,
                    f"statement {statement.number} ({statement.heading}) is uncovered: "
                    f"{statement.text!r}; cite it from a rule or note, or waive it with a reason",
                )
            )
        results.append(
            StatementCoverage(
                statement=statement,
                state=state,
                covered_by=by,
                fully=_spans_whole(statement, [citation for _, citation in covering]),
                waiver=waiver if state == "waived" else None,
            )
        )
    return DocumentCoverage(document_id, source.title, tuple(results)), problems


def _waived_statements(
    source: SourceDocument,
    statements: tuple[Statement, ...],
    quote: str,
    problems: list[CoverageProblem],
) -> list[Statement]:
    document_id = source.id
    spans = source.searchable.find_all(quote)
    if not spans:
        closest = source.searchable.closest_passage(quote)
        hint = f"; {did_you_mean(closest)}" if closest else ""
        problems.append(
            CoverageProblem(document_id, f"stale waiver: {quote!r} is not in the document{hint}")
        )
        return []
    if len(spans) > 1:
        problems.append(
            CoverageProblem(
                document_id,
                f"waiver quote occurs {len(spans)} times: {quote!r}; quote a longer passage",
            )
        )
        return []
    start, end = spans[0]
    inside = [s for s in statements if start <= s.start and s.end <= end]
    if not inside:
        problems.append(
            CoverageProblem(
                document_id,
                f"waiver quote contains no whole statement: {quote!r}; "
                "quote the whole sentence or bullet item",
            )
        )
    return inside


def _spans_whole(statement: Statement, citations: list[Citation]) -> bool:
    position = statement.start
    for citation in sorted(citations, key=lambda c: c.start):
        if citation.start > position:
            break
        position = max(position, citation.end)
    return bool(citations) and position >= statement.end
