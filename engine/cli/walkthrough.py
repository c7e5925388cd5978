"""`pathway walkthrough`: narrated teaching cases as text, Markdown or self-contained HTML pages."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from engine.cli.common import EXIT_FAILED, EXIT_OK, rulebase_from
from engine.errors import ErrorKind, InputError
from engine.teaching.cases import LoadedCase, bundled_cases, find_case, teaching_differences
from engine.teaching.html import (
    INDEX_FILE,
    page_file,
    render_index_html,
    render_walkthrough_html,
)
from engine.teaching.markdown import render_walkthrough_markdown
from engine.teaching.text import render_walkthrough_text
from engine.teaching.walkthrough import Walkthrough, build_walkthrough

WALKTHROUGH_FORMATS = ("text", "markdown", "html")
DEFAULT_HTML_DIR = Path("out/walkthroughs")
_SUFFIXES = {"text": ".txt", "markdown": ".md"}
_RENDERERS: dict[str, Callable[[Walkthrough], str]] = {
    "text": render_walkthrough_text,
    "markdown": render_walkthrough_markdown,
}
_SEPARATORS = {"text": "\n" + "#" * 96 + "\n\n", "markdown": "\n---\n\n"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `walkthrough` command."""
    parser = subparsers.add_parser(
        "walkthrough",
        help="narrate teaching cases (bundled ids or case files; none: all bundled cases)",
        description="Walk through teaching cases: the story, the facts, each option condition by "
        "condition with the page's own sentences, what is missing, the notes and the disclaimer. "
        "HTML pages show the cited passages highlighted in the page's text.",
    )
    parser.add_argument("cases", nargs="*", metavar="CASE-ID|FILE")
    parser.add_argument("--format", choices=WALKTHROUGH_FORMATS, default="text")
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write one file per case into DIR (for html, plus index.html; "
        f"html default: {DEFAULT_HTML_DIR})",
    )
    parser.add_argument("--list", action="store_true", help="list the bundled cases and exit")
    parser.set_defaults(handler=_walkthrough)


def _walkthrough(args: argparse.Namespace) -> int:
    if args.list:
        for loaded in bundled_cases():
            print(f"{loaded.id}  {loaded.case.title}")
        return EXIT_OK
    cases = [find_case(name) for name in args.cases] if args.cases else list(bundled_cases())
    _refuse_duplicates(cases)
    if args.format == "html":
        _refuse_the_index_name(cases)
    rulebase = rulebase_from(args)
    walkthroughs = []
    disagreements = []
    for loaded in cases:
        walkthrough = build_walkthrough(loaded, rulebase)
        walkthroughs.append(walkthrough)
        disagreements += [
            f"{loaded.path}: {difference}"
            for difference in teaching_differences(loaded.case, walkthrough.explanation, rulebase)
        ]
    if args.format == "html":
        _write_html(walkthroughs, args.out or DEFAULT_HTML_DIR)
    elif args.out is not None:
        _write_files(walkthroughs, args.out, args.format)
    else:
        separator = _SEPARATORS[args.format]
        sys.stdout.write(separator.join(_RENDERERS[args.format](w) for w in walkthroughs))
    for disagreement in disagreements:
        # The walkthrough itself is the engine's; only the case's own claims are out of date.
        print(f"pathway: warning: {disagreement}", file=sys.stderr)
    return EXIT_FAILED if disagreements else EXIT_OK


def _refuse_duplicates(cases: list[LoadedCase]) -> None:
    seen: dict[str, Path] = {}
    for loaded in cases:
        if loaded.id in seen and seen[loaded.id] != loaded.path:
            raise InputError(
                f"two cases have the id '{loaded.id}' (also {seen[loaded.id]})",
                "Each case needs its own id: pages are written as <id>.html.",
                path=str(loaded.path),
                field="id",
                kind=ErrorKind.DUPLICATE_CASE,
            )
        seen[loaded.id] = loaded.path


def _refuse_the_index_name(cases: list[LoadedCase]) -> None:
    # Compared case-blind: on a case-insensitive file system `Index.html` is the index too.
    for loaded in cases:
        if page_file(loaded.id).casefold() == INDEX_FILE.casefold():
            raise InputError(
                f"the case id '{loaded.id}' would write its page over {INDEX_FILE}",
                "Give the case another id: the index page of all cases has that name.",
                path=str(loaded.path),
                field="id",
                kind=ErrorKind.DUPLICATE_CASE,
            )


def _output_dir(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"cannot create the output directory: {error.strerror or error}",
            "Choose another --out DIR.",
            path=str(directory),
            field="--out",
            kind=ErrorKind.UNWRITABLE_OUTPUT,
        ) from None
    return directory


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"cannot write: {error.strerror or error}",
            "Choose another --out DIR.",
            path=str(path),
            kind=ErrorKind.UNWRITABLE_OUTPUT,
        ) from None


def _write_files(walkthroughs: list[Walkthrough], directory: Path, output_format: str) -> None:
    target = _output_dir(directory)
    for walkthrough in walkthroughs:
        path = target / f"{walkthrough.case_id}{_SUFFIXES[output_format]}"
        _write(path, _RENDERERS[output_format](walkthrough))
        print(path)


def _write_html(walkthroughs: list[Walkthrough], directory: Path) -> None:
    target = _output_dir(directory)
    for walkthrough in walkthroughs:
        _write(target / page_file(walkthrough.case_id), render_walkthrough_html(walkthrough))
    _write(target / INDEX_FILE, render_index_html(walkthroughs))
    print(
        f"Wrote {len(walkthroughs)} case page(s) and {INDEX_FILE} to {target}/. "
        f"Open {target / INDEX_FILE} in a browser."
    )
