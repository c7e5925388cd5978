"""The `pathway` command line: one module per command, `app` builds the parser from them."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from engine.errors import EngineError


def main(argv: Sequence[str] | None = None) -> int:
    """Run `pathway` with `argv` (default: the process arguments); returns the exit code."""
    try:
        # Imported here: the commands load durable-rules, whose broken build must be a message.
        from engine.cli.app import main as run
    except EngineError as error:
        print(f"pathway: error: {error}", file=sys.stderr)
        return 1
    return run(argv)


__all__ = ["main"]
