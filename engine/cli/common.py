"""What every command shares: exit codes, the rulebase named by `--rules`, and a document id
checked against it. Command modules import this, never `engine.cli.app`, so that no import runs
in a circle."""

from __future__ import annotations

import argparse

from engine.errors import ErrorKind, InputError
from engine.rulebase.model import Rulebase
from engine.suggestions import closest

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def rulebase_from(args: argparse.Namespace) -> Rulebase:
    """The rulebase named by `--rules`, or the project's own."""
    # Imported here: loading pulls in the matcher, which `--help` does not need.
    from engine.reasoning.explainer import default_rulebase
    from engine.rulebase.loader import load_rulebase

    return load_rulebase(args.rules) if args.rules else default_rulebase()


def known_document(rulebase: Rulebase, document: str, where: str) -> str:
    """`document` when the rulebase has it; else an InputError at `where` (the option or argument
    that named it) with the known ids and the closest one."""
    if document in rulebase.sources:
        return document
    raise InputError(
        f"unknown document '{document}'",
        f"Known documents: {', '.join(rulebase.sources)}.",
        path=where,
        field="document",
        kind=ErrorKind.UNKNOWN_DOCUMENT,
        suggestion=closest(document, rulebase.sources),
    )
