"""`pathway sources diff|update DOCUMENT NEW_TEXT_FILE`: review what a revised page does to the
rules, then store it with its history. `diff` exits 0 when nothing needs review, 1 when something
does, 2 for bad input."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from engine.cli.common import EXIT_FAILED, EXIT_OK, known_document, rulebase_from
from engine.errors import ErrorKind, InputError
from engine.review.revision_store import store_revision
from engine.review.revisions import diff_source
from schemas.revision import CitationStatus, RevisionReport

# Far above a real page (the stored ones are about 6 KB); a larger file is not a page.
MAX_TEXT_BYTES = 5_000_000


def register(subparsers: Any) -> None:
    """Add the `sources` command with its `diff` and `update` actions."""
    parser = subparsers.add_parser(
        "sources", help="review and store a revised source page (diff, update)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    diff = actions.add_parser(
        "diff",
        help="what a new version of a page does to the citations, statements and metadata",
        description="Compare the stored text of DOCUMENT with NEW_TEXT_FILE. Exit 0 when nothing "
        "needs review, 1 when something does, 2 for bad input.",
    )
    diff.add_argument("document", metavar="DOCUMENT")
    diff.add_argument("new_text", metavar="NEW_TEXT_FILE")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(handler=_diff)
    update = actions.add_parser(
        "update",
        help="store a new version of a page and record the revision (rules are not changed)",
    )
    update.add_argument("document", metavar="DOCUMENT")
    update.add_argument("new_text", metavar="NEW_TEXT_FILE")
    update.add_argument(
        "--retrieved",
        metavar="YYYY-MM-DD",
        type=_iso_date,
        help="when the new text was taken from the publisher (default: today)",
    )
    update.set_defaults(handler=_update)


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date of the form YYYY-MM-DD: {value!r}") from None


def _diff(args: argparse.Namespace) -> int:
    rulebase = rulebase_from(args)
    document = known_document(rulebase, args.document, "DOCUMENT")
    report = diff_source(rulebase, document, read_new_text(args.new_text))
    if args.format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_checklist(report, args.new_text))
    return EXIT_FAILED if report.needs_review else EXIT_OK


def _update(args: argparse.Namespace) -> int:
    rulebase = rulebase_from(args)
    document = known_document(rulebase, args.document, "DOCUMENT")
    new_text = read_new_text(args.new_text)
    report = diff_source(rulebase, document, new_text)
    today = date.today()
    superseded = store_revision(
        rulebase, document, new_text, retrieved=args.retrieved or today, today=today
    )
    if superseded is None:
        print(f"{document}: {args.new_text} is the text already stored; nothing changed.")
        return EXIT_OK
    broken = [c for c in report.citations if c.status.needs_review]
    print(
        f"{document}: stored the new text (SHA-256 {report.new_sha256[:12]}…); the revision it "
        f"replaces (SHA-256 {superseded.sha256[:12]}…) is recorded in the metadata."
    )
    if broken:
        print(
            f"{len(broken)} citation(s) no longer hold and now fail loading until updated: "
            + ", ".join(sorted({c.id for c in broken}))
            + f". `pathway sources diff {document} FILE` on a new version lists them with the "
            "closest passage; `pathway check` shows each."
        )
    return EXIT_OK


def read_new_text(name: str) -> str:
    """The new version of a page: UTF-8 text of bounded size (a pipe is fine: the read stops at
    the cap)."""
    path = Path(name)
    try:
        if path.is_dir():
            raise InputError(
                "is a directory",
                "Give the path of the new page's text.",
                path=name,
                kind=ErrorKind.UNREADABLE_INPUT,
            )
        with path.open("rb") as file:
            raw = file.read(MAX_TEXT_BYTES + 1)
    except OSError as error:
        raise InputError(
            f"cannot read the file: {error.strerror}",
            "Check the path.",
            path=name,
            kind=ErrorKind.FILE_NOT_FOUND
            if isinstance(error, FileNotFoundError)
            else ErrorKind.UNREADABLE_INPUT,
        ) from None
    if len(raw) > MAX_TEXT_BYTES:
        raise InputError(
            f"larger than {MAX_TEXT_BYTES:,} bytes",
            "A source page is a few kilobytes.",
            path=name,
            kind=ErrorKind.INPUT_TOO_LARGE,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte {error.start})",
            "Save the page as UTF-8 plain text.",
            path=name,
            kind=ErrorKind.NOT_UTF8,
        ) from None


def render_checklist(report: RevisionReport, new_file: str) -> str:
    """A reviewer's checklist, grouped by what there is to do."""
    out = [
        f"Revision of {report.document}: {new_file}",
        f"  stored SHA-256 {report.old_sha256}",
        f"  new    SHA-256 {report.new_sha256}",
        "",
    ]
    fix = [c for c in report.citations if c.status.needs_review]
    uncovered = [s for s in report.statements if s.status == "uncovered" and not s.closest_of]
    metadata = [m for m in report.metadata if not m.present]
    if fix:
        out.append(f"[ ] Citations to update ({len(fix)}):")
        for change in fix:
            out.append(f"    - {change.id} ({change.status}): “{change.quote}”")
            if change.status is CitationStatus.CHANGED:
                out.append(f"        closest ({change.similarity:.2f}): “{change.closest}”")
                out.append(f"        words: {change.word_diff}")
            elif change.status is CitationStatus.AMBIGUOUS:
                out.append("        now occurs more than once: quote a longer passage")
            else:
                out.append("        nothing close in the new text: the sentence was removed")
        out.append("")
    if uncovered:
        out.append(
            f"[ ] Statements to encode in a rule or note, or waive with a reason ({len(uncovered)}):"
        )
        for statement in uncovered:
            marker = "new" if statement.new else "changed"
            out.append(f"    - ({marker}, under “{statement.heading}”) “{statement.text}”")
        out.append("")
    if metadata:
        out.append(f"[ ] Metadata no longer in the text ({len(metadata)}):")
        out.extend(f"    - {m.field}: “{m.value}”" for m in metadata)
        out.append("")
    moved = [c for c in report.citations if c.status is CitationStatus.MOVED]
    new_handled = [s for s in report.statements if s.new and s.status != "uncovered"]
    unchanged = sum(1 for c in report.citations if c.status is CitationStatus.UNCHANGED)
    out.append("For information (nothing to do):")
    out.append(f"    {unchanged} citation(s) unchanged")
    out.extend(f"    - moved: {c.id} “{c.quote}”" for c in moved)
    out.extend(f"    - new and already {s.status}: “{s.text}”" for s in new_handled)
    out.append("")
    out.append(
        "Needs review: store it only after deciding each [ ] item above."
        if report.needs_review
        else "Nothing needs review: `pathway sources update` can store this text as it is."
    )
    return "\n".join(out) + "\n"
