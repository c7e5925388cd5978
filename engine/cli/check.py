"""`pathway check`: load the rulebase and verify it against itself and its texts."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.common import EXIT_FAILED, EXIT_OK, rulebase_from
from engine.errors import RulebaseError
from engine.review.verification import Finding, finding_of_load_error, verify


def register(subparsers: Any) -> None:
    """Add the `check` command."""
    parser = subparsers.add_parser("check", help="load and verify the rulebase")
    parser.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    try:
        rulebase = rulebase_from(args)
    except RulebaseError as error:
        findings: tuple[Finding, ...] = (finding_of_load_error(error),)
    else:
        findings = verify(rulebase)
    if findings:
        for finding in findings:
            print(f"pathway: check: {finding}", file=sys.stderr)
        print(f"pathway: check: {len(findings)} problem(s) found", file=sys.stderr)
        return EXIT_FAILED
    citations = sum(len(rule.citations) for rule in rulebase.rules)
    citations += sum(len(note.citations) for note in rulebase.notes)
    options = sum(len(options) for options in rulebase.options.values())
    print(
        f"rulebase {rulebase.version} at {rulebase.root} is sound: "
        f"{len(rulebase.sources)} documents, {options} options, {len(rulebase.rules)} rules, "
        f"{len(rulebase.notes)} notes, {citations} citations verbatim in their documents."
    )
    return EXIT_OK
