"""`pathway coverage`: the review sheet of which statements of the documents the rules encode.

Text reads like a review sheet, Markdown is a table per document, JSON is for tools. Exit 1 when
any statement is uncovered or a waiver is stale, ambiguous or overlaps a covered statement.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.cli.common import EXIT_FAILED, EXIT_OK, known_document, rulebase_from
from engine.domain.text import normalise_whitespace, wrap
from engine.review.coverage import (
    CoverageReport,
    DocumentCoverage,
    StatementCoverage,
    coverage_report,
)

COVERAGE_FORMATS = ("text", "markdown", "json")
_WIDTH = 100


def register(subparsers: Any) -> None:
    """Add the `coverage` command to the `pathway` parser."""
    parser = subparsers.add_parser(
        "coverage", help="show which statements of the documents the rules cite or waive"
    )
    parser.add_argument("--document", metavar="ID", help="one document id (default: all)")
    parser.add_argument("--format", choices=COVERAGE_FORMATS, default="text")
    parser.set_defaults(handler=_coverage)


def _coverage(args: argparse.Namespace) -> int:
    rulebase = rulebase_from(args)
    if args.document is not None:
        known_document(rulebase, args.document, "--document")
    report = coverage_report(rulebase, (args.document,) if args.document else ())
    renderers = {"text": render_text, "markdown": render_markdown, "json": render_json}
    sys.stdout.write(renderers[args.format](report))
    for problem in report.problems:
        print(f"pathway: coverage: {problem.document}: {problem.message}", file=sys.stderr)
    return EXIT_OK if report.clean else EXIT_FAILED


def _totals(document: DocumentCoverage) -> str:
    return (
        f"{len(document.statements)} statements: {document.count('covered')} covered, "
        f"{document.count('waived')} waived, {document.count('uncovered')} uncovered"
    )


def _verdict(item: StatementCoverage) -> tuple[str, str]:
    """The state mark, and who covers it or why it is waived."""
    if item.state == "covered":
        by = ", ".join(f"{c.item_id} ({c.file})" for c in item.covered_by)
        return ("COVERED" if item.fully else "PARTLY"), f"cited by {by}"
    if item.state == "waived" and item.waiver is not None:
        return "WAIVED", f"{item.waiver.kind}: {normalise_whitespace(item.waiver.reason)}"
    return "UNCOVERED", "no rule or note cites it and no waiver names it"


def render_text(report: CoverageReport) -> str:
    lines: list[str] = []
    for document in report.documents:
        lines += [f"{document.document} — {document.title}", _totals(document)]
        heading = None
        for item in document.statements:
            statement = item.statement
            if statement.heading != heading:
                heading = statement.heading
                lines += ["", f"  [{heading}]"]
            mark, detail = _verdict(item)
            lines += wrap(
                f"{statement.number:>3}. {mark:<9} “{statement.text}”",
                "  ",
                hanging=" " * 18,
                width=_WIDTH,
            )
            lines += wrap(detail, " " * 18, hanging=" " * 18, width=_WIDTH)
        lines.append("")
    lines += _problem_lines(report)
    return "\n".join(lines) + "\n"


def _problem_lines(report: CoverageReport) -> list[str]:
    if report.clean:
        return ["No problems: every statement is covered or waived, and every waiver is sound."]
    return [f"{len(report.problems)} problem(s):"] + [
        f"  - {problem.document}: {problem.message}" for problem in report.problems
    ]


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: CoverageReport) -> str:
    lines: list[str] = ["# Coverage of the documents by the rules", ""]
    for document in report.documents:
        lines += [
            f"## {document.document} — {document.title}",
            "",
            _totals(document) + ".",
            "",
            "| # | Heading | Statement | State | Cited by / reason |",
            "|---|---|---|---|---|",
        ]
        for item in document.statements:
            mark, detail = _verdict(item)
            cells = [
                str(item.statement.number),
                item.statement.heading,
                item.statement.text,
                mark.lower(),
                detail,
            ]
            lines.append("| " + " | ".join(_escape(cell) for cell in cells) + " |")
        lines.append("")
    lines += _problem_lines(report)
    return "\n".join(lines) + "\n"


def render_json(report: CoverageReport) -> str:
    document = {
        "clean": report.clean,
        "documents": [
            {
                "document": doc.document,
                "title": doc.title,
                "totals": {state: doc.count(state) for state in ("covered", "waived", "uncovered")},
                "statements": [
                    {
                        "number": item.statement.number,
                        "start": item.statement.start,
                        "end": item.statement.end,
                        "heading": item.statement.heading,
                        "kind": item.statement.kind,
                        "text": item.statement.text,
                        "state": item.state,
                        "fully_cited": item.fully,
                        "covered_by": [
                            {"id": c.item_id, "kind": c.item_kind, "file": c.file}
                            for c in item.covered_by
                        ],
                        "waiver": None
                        if item.waiver is None
                        else {
                            "kind": item.waiver.kind,
                            "reason": normalise_whitespace(item.waiver.reason),
                        },
                    }
                    for item in doc.statements
                ],
            }
            for doc in report.documents
        ],
        "problems": [{"document": p.document, "message": p.message} for p in report.problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
