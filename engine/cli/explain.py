"""`pathway explain FILE|-` (one profile) and `pathway explain --batch IN.jsonl` (JSON Lines)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from engine.cli.common import EXIT_OK, rulebase_from
from engine.inputs.profile_input import read_profile_document, validation_input_error
from engine.reasoning.explainer import explain
from engine.rendering.explanation import FORMATS, render


def register(subparsers: Any) -> None:
    """Add the `explain` command."""
    parser = subparsers.add_parser(
        "explain", help="explain one profile (YAML or JSON file, or - for stdin)"
    )
    # FILE is optional only so that `--batch` can replace it; _explain insists on one of them.
    parser.add_argument("file", metavar="FILE|-", nargs="?")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--batch",
        metavar="IN.jsonl|-",
        help="explain one JSON profile per line; writes one JSON line per input line",
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT.jsonl", help="with --batch: write to this file"
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="with --batch: one compact line per profile (statuses, needs, notes, missing "
        "information) instead of the full explanation",
    )
    parser.set_defaults(handler=_explain, usage_error=parser.error)


def _explain(args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.file is not None:
            args.usage_error("give either FILE or --batch, not both")
        # Imported here so that explaining one file does not pay for the batch module.
        from engine.cli.batch import run_batch

        return run_batch(args.batch, args.output, rulebase_from(args), summary=args.summary)
    if args.file is None:
        args.usage_error("the following arguments are required: FILE|-")
    if args.output is not None:
        args.usage_error("-o/--output is only for --batch")
    if args.summary:
        args.usage_error("--summary is only for --batch")
    name, document = read_profile_document(args.file)
    rulebase = rulebase_from(args)
    try:
        explanation = explain(document, rulebase=rulebase)
    except ValidationError as error:
        raise validation_input_error(error, document, name) from None
    sys.stdout.write(render(explanation, args.format))
    return EXIT_OK
