"""`pathway table`: the full decision table of one disease, or of both."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.common import EXIT_OK, rulebase_from
from engine.review.decision_table import DISEASES, TABLE_FORMATS, decision_table, render_table


def register(subparsers: Any) -> None:
    """Add the `table` command to the `pathway` parser."""
    parser = subparsers.add_parser(
        "table", help="print every profile of a disease and each option's status"
    )
    parser.add_argument(
        "--disease",
        type=str.upper,
        choices=DISEASES,
        help="AML or ALL (default: both, one after the other)",
    )
    parser.add_argument("--format", choices=TABLE_FORMATS, default="markdown")
    parser.set_defaults(handler=_table)


def _table(args: argparse.Namespace) -> int:
    rulebase = rulebase_from(args)
    diseases = (args.disease,) if args.disease else DISEASES
    for index, disease in enumerate(diseases):
        if index and args.format == "markdown":
            sys.stdout.write("\n")
        sys.stdout.write(render_table(decision_table(rulebase, disease), args.format))
    return EXIT_OK
