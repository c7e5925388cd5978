"""The `pathway` command line: one module per command, `app` builds the parser from them."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Sequence

from engine.errors import EngineError

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
    try:
        # Imported here: the commands load durable-rules, whose broken build must be a message.
        from engine.cli.app import main as run
    except EngineError as error:
        print(f"pathway: error: {error}", file=sys.stderr)
        return 1
    if argv is not None:
        return run(argv)
    gc.set_threshold(*_PROCESS_GC_THRESHOLD)
    code = run()
    # What a normal exit would still do that matters: exit handlers (e.g. removing a directory
    # extracted from a zip install), then the flush of the standard streams.
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        # The reader went away, or the stream was closed (see app.main): nothing more to say.
        code = code or 1
    os._exit(code)
