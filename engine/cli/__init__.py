"""The `pathway` command line: one module per command, `app` builds the parser from them."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Start-up creates a few hundred thousand long-lived objects (Pydantic's validators above all);
# with the default threshold (700) the collector runs hundreds of times over them for nothing.
# Young cycles are still collected, every 100,000 allocations.
_PROCESS_GC_THRESHOLD = (100_000, 20, 20)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `pathway` command; `argv` defaults to the process's arguments.

    Called with no `argv` (the `pathway` script, `python -m engine`), this is the whole process:
    it collects garbage less eagerly and, once the output is flushed, ends the process without
    the interpreter's teardown, which costs a cold `pathway explain` about a third of its own
    time and does nothing a finished command needs (every file it wrote is already closed).
    """
    from engine.cli.app import main as run

    if argv is not None:
        return run(argv)
    gc.set_threshold(*_PROCESS_GC_THRESHOLD)
    code = run()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        # The reader went away, or the stream was closed (see app.main): nothing more to say.
        code = code or 1
    os._exit(code)
