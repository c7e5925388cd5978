"""What every command shares: exit codes and the rulebase named by `--rules`. Command modules import
this, never `engine.cli.app`, so that no import runs in a circle."""

from __future__ import annotations

import argparse

from engine.rulebase.model import Rulebase

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def rulebase_from(args: argparse.Namespace) -> Rulebase:
    """The rulebase named by `--rules`, or the project's own."""
    # Imported here: loading pulls in the matcher, which `--help` does not need.
    from engine.reasoning.explainer import default_rulebase
    from engine.rulebase.loader import load_rulebase

    return load_rulebase(args.rules) if args.rules else default_rulebase()
