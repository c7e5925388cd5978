"""`pathway explorer`: one self-contained HTML page to click through every situation of both pages."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.common import EXIT_OK, rulebase_from
from engine.errors import EngineError, ErrorKind, InputError

DEFAULT_OUT = Path("out/explorer.html")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `explorer` command."""
    parser = subparsers.add_parser(
        "explorer",
        help="write the interactive explorer: every situation in one offline HTML page",
        description="Write one self-contained HTML page holding the engine's explanation of every "
        "profile of both diseases: change a fact and watch the options, the notes and the cited "
        "sentences change; share a situation by its link; practise predicting the statuses. The "
        "page needs no network.",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        default=DEFAULT_OUT,
        help=f"the HTML file to write (default: {DEFAULT_OUT})",
    )
    parser.set_defaults(handler=_explorer)


def _explorer(args: argparse.Namespace) -> int:
    # Imported here: building the page loads Jinja2 and explains all 468 profiles.
    from engine.teaching.explorer import MAX_PAGE_BYTES, render_explorer_html

    rulebase = rulebase_from(args)
    page = render_explorer_html(rulebase).encode("utf-8")
    if len(page) > MAX_PAGE_BYTES:
        raise EngineError(
            f"the explorer page would be {len(page):,} bytes, over the {MAX_PAGE_BYTES:,} limit",
            "The rulebase has grown past what one page can carry; report it as a bug.",
        )
    target: Path = args.out
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page)
    except OSError as error:
        raise InputError(
            f"cannot write the explorer page: {error.strerror or error}",
            "Choose another --out FILE.",
            path=str(target),
            field="--out",
            kind=ErrorKind.UNWRITABLE_OUTPUT,
        ) from None
    print(f"Wrote the explorer ({len(page):,} bytes) to {target}. Open {target} in a browser.")
    return EXIT_OK
