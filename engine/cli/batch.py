"""`pathway explain --batch IN.jsonl|- [-o OUT.jsonl] [--summary]`: JSON Lines in, JSON Lines out.

Exit codes: 0 every line was explained; 1 some lines were error lines (each is in the output);
2 the input or output cannot be used (missing, unreadable, unwritable, full, closed, or the output
is the input file itself); 130, 143 and 129 when SIGINT, SIGTERM or SIGHUP stopped the run
(128 + the signal's number).

What it guarantees about files:
- The output is never the input: an output that is the same file as the input (same device and
  inode, so symlinks and hard links count; stdout redirected onto it too, as in `>> IN`) is
  refused before anything is written.
- `-o` naming a regular file, or a path that does not exist yet, is written to a temporary file
  beside it (`OUT.<random>.partial`) and renamed into place when the run completes, so an existing
  file is only ever replaced by a complete run. `-o` naming anything else (`/dev/null`,
  `/dev/full`, a FIFO, a terminal) is written directly, and nothing is created, renamed or
  replaced beside it (a file renamed over a device node would destroy it).
- Interrupted by SIGINT, SIGTERM or SIGHUP, the run finishes the line in progress (waiting for
  input, it stops reading at once), writes the complete lines it has, says `stopped after line N
  of IN` on stderr, and leaves the partial output under its temporary name, so that nobody
  mistakes it for a complete run.
- A write that fails (a full disk, `/dev/full`, a closed stdout) is reported with the path and
  exit 2, and the temporary file is removed. A reader that goes away (`| head`) ends the run
  quietly, as for every command.

Output is written through one large buffer (1 MB, reused): blocks of whole lines, one write each; a progress line goes to stderr only when
stderr is a terminal, so pipelines and logs stay clean.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO, TextIO

from engine.errors import ErrorKind, InputError
from engine.reasoning.batch import BatchCounts, LineEncoder, read_lines
from engine.rulebase.model import Rulebase

STDIN = "-"
STDIN_NAME, STDOUT_NAME = "<stdin>", "<stdout>"
PROGRESS_EVERY_SECONDS = 0.5
BUFFER_BYTES = 1 << 20
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

FileIdentity = tuple[int, int]
Buffer = bytes | bytearray | memoryview


def run_batch(source: str, output: str | None, rulebase: Rulebase, *, summary: bool = False) -> int:
    """Explain every line of `source` into `output` (stdout when None or `-`); the exit code."""
    with _open_input(source) as (stream, input_name, input_identity):
        sink = _open_sink(output, input_identity, input_name)
        try:
            stopped, written, counts = _copy(stream, input_name, sink, rulebase, summary)
        except BaseException:
            sink.discard()
            raise
        if stopped is not None:
            kept = sink.keep_partial()
            where = f"\nthe {written:,} complete lines written are in {kept}" if kept else ""
            print(
                f"pathway: stopped after line {written} of {input_name} "
                f"({signal.Signals(stopped).name}){where}",
                file=sys.stderr,
            )
            return 128 + stopped
        sink.complete()
    return 0 if counts.errors == 0 else 1


def _copy(
    stream: IO[bytes], input_name: str, sink: _Sink, rulebase: Rulebase, summary: bool
) -> tuple[int | None, int, BatchCounts]:
    """Explain and write until the input ends or a stop signal arrives: (the signal or None,
    lines written, counts)."""
    encoder = LineEncoder(rulebase, summary=summary)
    counts = encoder.counts
    progress = _Progress(sys.stderr, counts) if sys.stderr and sys.stderr.isatty() else None
    lines = _reading(read_lines(stream), input_name)
    block = _Block(sink)
    written = 0
    guard = _StopGuard()
    with guard.installed():
        try:
            while guard.signum is None:
                # Interruptible only while reading (which may block on a pipe): no line is in
                # progress then. Explaining and writing always finish their line.
                guard.interruptible = True
                raw = next(lines)
                guard.interruptible = False
                head, rest = encoder.encode(written + 1, raw)
                block.add(head, rest)
                written += 1
                if progress is not None:
                    progress.tick()
        except StopIteration:
            pass
        except _Stopped:
            pass
        finally:
            guard.interruptible = False
        block.flush()
    if progress is not None:
        progress.done()
    return guard.signum, written, counts


def _reading(lines: Iterator[bytes | None], name: str) -> Iterator[bytes | None]:
    try:
        yield from lines
    except OSError as error:
        raise _input_error(name, error) from None


class _Stopped(BaseException):
    """Raised by the signal handler into a blocked read; a BaseException, like
    KeyboardInterrupt, so that no `except Exception` on the way swallows it."""


class _StopGuard:
    """Turns SIGINT, SIGTERM and SIGHUP into a stop at a line boundary."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.interruptible = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self.interruptible:
            self.interruptible = False
            raise _Stopped

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers can only be set from the main thread
            return
        previous = {number: signal.signal(number, self._handle) for number in STOP_SIGNALS}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


@contextlib.contextmanager
def _open_input(source: str) -> Iterator[tuple[IO[bytes], str, FileIdentity | None]]:
    if source == STDIN:
        if sys.stdin is None:
            raise InputError(
                "standard input is closed",
                "Give the input file instead of -.",
                path=STDIN_NAME,
                kind=ErrorKind.UNREADABLE_INPUT,
            )
        yield sys.stdin.buffer, STDIN_NAME, _regular_file_identity(sys.stdin)
        return
    try:
        stream = Path(source).open("rb", buffering=BUFFER_BYTES)  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        raise InputError(
            "file not found", "Check the path.", path=source, kind=ErrorKind.FILE_NOT_FOUND
        ) from None
    except OSError as error:
        raise _input_error(source, error) from None
    with stream:
        yield stream, source, _regular_file_identity(stream)


def _regular_file_identity(stream: IO[str] | IO[bytes]) -> FileIdentity | None:
    """(device, inode) of a stream that is a regular file; None for anything else (a terminal is
    both stdin and stdout of an interactive run, and that is no loop)."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return (status.st_dev, status.st_ino) if stat.S_ISREG(status.st_mode) else None


def _input_error(name: str, error: OSError) -> InputError:
    if error.errno == errno.EBADF:  # a closed standard input (see engine/cli/app.py)
        return InputError(
            "standard input is closed",
            "Give the input file instead of -.",
            path=name,
            kind=ErrorKind.UNREADABLE_INPUT,
        )
    return InputError(
        f"cannot read: {error.strerror or error}",
        None,
        path=name,
        kind=ErrorKind.UNREADABLE_INPUT,
    )


class _Sink:
    """Where the output goes. Subclasses: stdout, a file written directly, a file replaced."""

    def __init__(self, name: str, write: Callable[[Buffer], None]) -> None:
        self.name = name
        self._write = write

    def write(self, data: Buffer) -> None:
        """Write a block of whole lines."""
        try:
            self._write(data)
        except BrokenPipeError:
            raise  # the reader went away; the CLI ends quietly
        except OSError as error:
            raise _output_error(self.name, error) from None

    def complete(self) -> None:
        """The run is complete: make the output final."""

    def keep_partial(self) -> str | None:
        """The run was stopped: keep what was written; the name it is under, when it is a file
        of its own."""
        return None

    def discard(self) -> None:
        """The run failed: remove what this sink created."""


def _open_sink(target: str | None, input_identity: FileIdentity | None, input_name: str) -> _Sink:
    if target is None or target == STDIN:
        return _stdout_sink(input_identity, input_name)
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return _ReplacedFile(target, Path(os.path.realpath(target)), None)
    except OSError as error:
        raise _output_error(target, error) from None
    if input_identity == (status.st_dev, status.st_ino):
        raise _same_file_error(target, input_name)
    if stat.S_ISREG(status.st_mode):
        return _ReplacedFile(target, Path(os.path.realpath(target)), status.st_mode)
    if stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode):
        return _DirectFile(target)
    kind = "a directory" if stat.S_ISDIR(status.st_mode) else "neither a file nor a device"
    raise InputError(
        f"cannot write: it is {kind}",
        "Name a file to create or replace, or a device such as /dev/null.",
        path=target,
        kind=ErrorKind.UNWRITABLE_OUTPUT,
    )


def _stdout_sink(input_identity: FileIdentity | None, input_name: str) -> _Sink:
    stdout = sys.stdout
    if stdout is None:
        raise _output_error(STDOUT_NAME, None)
    if input_identity is not None and _regular_file_identity(stdout) == input_identity:
        raise _same_file_error(STDOUT_NAME, input_name)
    try:
        descriptor = stdout.fileno()
    except (OSError, ValueError):
        # Not a real file (e.g. captured by a test harness): write through its own layers.
        return _Sink(STDOUT_NAME, functools.partial(_write_to_stream, stdout))
    stdout.flush()
    # Written with os.write, not through sys.stdout: nothing is left in Python's buffer to fail
    # again when the interpreter flushes it at exit.
    return _Sink(STDOUT_NAME, functools.partial(_write_all, descriptor))


def _write_to_stream(stream: TextIO, data: Buffer) -> None:
    binary = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(bytes(data).decode("utf-8"))
    else:
        binary.write(data)
        binary.flush()


def _write_all(descriptor: int, data: Buffer) -> None:
    # A short write (a pipe) sends the rest, in order.
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


class _Block:
    """The one large buffer: whole lines are copied into it and written a block at a time.
    Allocated once and reused, so that 2 GB of output costs no fresh memory pages per block
    (joining each block anew did, in system time), and it never holds part of a line when it is
    written. (A gathering writev of the lines' pieces was tried too: it cost the kernel about
    four times the system time of one plain write.)"""

    def __init__(self, sink: _Sink, size: int = BUFFER_BYTES) -> None:
        self._sink = sink
        self._buffer = bytearray(size)
        self._view = memoryview(self._buffer)
        self._used = 0

    def add(self, head: bytes, rest: bytes) -> None:
        """Add one line, given as its two pieces."""
        start = self._used
        middle = start + len(head)
        end = middle + len(rest)
        if end > len(self._buffer):
            self.flush()
            if len(head) + len(rest) > len(self._buffer):
                self._sink.write(head + rest)
                return
            start, middle, end = 0, len(head), len(head) + len(rest)
        # Equal-length slice assignments: copies into the buffer, never a resize.
        self._buffer[start:middle] = head
        self._buffer[middle:end] = rest
        self._used = end

    def flush(self) -> None:
        if self._used:
            self._sink.write(self._view[: self._used])
            self._used = 0


class _DirectFile(_Sink):
    """A device or FIFO named by -o: opened for writing as it is, nothing created beside it."""

    def __init__(self, target: str) -> None:
        try:
            # No O_CREAT: if it vanished since it was looked at, nothing is created in its place.
            self._descriptor = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
        except OSError as error:
            raise _output_error(target, error) from None
        super().__init__(target, lambda data: _write_all(self._descriptor, data))

    def complete(self) -> None:
        self._close()

    def keep_partial(self) -> str | None:
        self._close()
        return None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._close()

    def _close(self) -> None:
        descriptor, self._descriptor = self._descriptor, -1
        if descriptor >= 0:
            try:
                os.close(descriptor)
            except OSError as error:
                raise _output_error(self.name, error) from None


class _ReplacedFile(_Sink):
    """A regular file (or a new one) named by -o: written as `NAME.<random>.partial` in the same
    directory and renamed over `final` only when the run completes. A symlink is followed, so the
    file it names is replaced and the link stays."""

    def __init__(self, target: str, final: Path, existing_mode: int | None) -> None:
        self._final = final
        self._descriptor, self._temporary = self._create(target, final)
        try:
            if existing_mode is not None:
                os.fchmod(self._descriptor, stat.S_IMODE(existing_mode))
        except OSError:
            pass  # not our file to give its mode: the new file keeps the umask's
        super().__init__(target, lambda data: _write_all(self._descriptor, data))

    @staticmethod
    def _create(target: str, final: Path) -> tuple[int, Path]:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        while True:
            temporary = final.with_name(f"{final.name}.{secrets.token_hex(4)}.partial")
            try:
                return os.open(temporary, flags, 0o666), temporary
            except FileExistsError:
                continue
            except OSError as error:
                raise _output_error(target, error) from None

    def complete(self) -> None:
        try:
            os.close(self._descriptor)
            os.replace(self._temporary, self._final)
        except OSError as error:
            self.discard()
            raise _output_error(self.name, error) from None

    def keep_partial(self) -> str | None:
        with contextlib.suppress(OSError):
            os.close(self._descriptor)
        return str(self._temporary)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._descriptor)
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)


def _output_error(name: str, error: OSError | None) -> InputError:
    if error is None or error.errno == errno.EBADF:
        what, fix = "standard output is closed", "Give an output file with -o OUT.jsonl."
    else:
        what = f"cannot write: {error.strerror or error}"
        fix = "Free some space or choose another output with -o OUT.jsonl."
    return InputError(what, fix, path=name, kind=ErrorKind.UNWRITABLE_OUTPUT)


def _same_file_error(name: str, input_name: str) -> InputError:
    return InputError(
        f"is the input file {input_name}: the run would destroy or re-read its own input",
        "Write the output to another file.",
        path=name,
        kind=ErrorKind.OUTPUT_IS_INPUT,
    )


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
