"""`pathway explain --batch IN.jsonl|- [-o OUT.jsonl]`: JSON Lines in, JSON Lines out, streamed.

Exit 0 when every line was explained, 1 when some lines were error lines (each is in the output),
2 when the input or output file cannot be opened. A progress line goes to stderr only when stderr is
a terminal, so pipelines and logs stay clean.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import IO, TextIO

from engine.errors import InputError
from engine.reasoning.batch import BatchCounts, explain_jsonl, read_lines
from engine.rulebase.model import Rulebase

STDIN = "-"
PROGRESS_EVERY_SECONDS = 0.5


def run_batch(source: str, output: str | None, rulebase: Rulebase) -> int:
    """Explain every line of `source` into `output` (stdout when None); the exit code."""
    with _open_input(source) as stream, _open_output(output) as sink:
        counts = BatchCounts()
        progress = _Progress(sys.stderr, counts) if sys.stderr.isatty() else None
        for line in explain_jsonl(read_lines(stream), rulebase, counts):
            sink.write(line)
            sink.write("\n")
            if progress is not None:
                progress.tick()
        sink.flush()
        if progress is not None:
            progress.done()
    return 0 if counts.errors == 0 else 1


def _open_input(source: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    if source == STDIN:
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return Path(source).open("rb")
    except FileNotFoundError:
        raise InputError("file not found", "Check the path.", path=source) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", None, path=source) from None


def _open_output(target: str | None) -> contextlib.AbstractContextManager[TextIO]:
    if target is None or target == STDIN:
        return contextlib.nullcontext(sys.stdout)
    try:
        return Path(target).open("w", encoding="utf-8", newline="\n")
    except OSError as error:
        raise InputError(
            f"cannot write: {error.strerror or error}", "Check the output path.", path=target
        ) from None


class _Progress:
    def __init__(self, stream: TextIO, counts: BatchCounts) -> None:
        self._stream = stream
        self._counts = counts
        self._next = time.monotonic() + PROGRESS_EVERY_SECONDS

    def tick(self) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + PROGRESS_EVERY_SECONDS
            self._write()

    def done(self) -> None:
        self._write()
        self._stream.write("\n")
        self._stream.flush()

    def _write(self) -> None:
        lines, errors = self._counts.lines, self._counts.errors
        self._stream.write(f"\rpathway: {lines:,} lines, {errors:,} errors")
        self._stream.flush()
