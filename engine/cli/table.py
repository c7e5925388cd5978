"""`pathway table`: the full decision table of one disease, or of each in turn."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.common import EXIT_OK, rulebase_from
from engine.errors import ErrorKind, InputError
from engine.review.decision_table import TABLE_FORMATS, decision_table, render_table
from engine.suggestions import closest


def register(subparsers: Any) -> None:
    """Add the `table` command to the `pathway` parser."""
    parser = subparsers.add_parser(
        "table", help="print every profile of a disease and each option's status"
    )
    # No argparse `choices`: the diseases are the rulebase's, known only once it is loaded.
    parser.add_argument(
        "--disease",
        type=str.upper,
        help="a disease of the rulebase (default: each one, one after the other)",
    )
    parser.add_argument("--format", choices=TABLE_FORMATS, default="markdown")
    parser.set_defaults(handler=_table)


def _table(args: argparse.Namespace) -> int:
    rulebase = rulebase_from(args)
    if args.disease is not None and args.disease not in rulebase.diseases:
        raise InputError(
            f"the rulebase has no disease '{args.disease}'",
            f"Known diseases: {', '.join(rulebase.diseases)}.",
            path="--disease",
            kind=ErrorKind.UNKNOWN_NAME,
            suggestion=closest(args.disease, rulebase.diseases),
        )
    diseases = (args.disease,) if args.disease else rulebase.diseases
    for index, disease in enumerate(diseases):
        if index and args.format == "markdown":
            sys.stdout.write("\n")
        sys.stdout.write(render_table(decision_table(rulebase, disease), args.format))
    return EXIT_OK
