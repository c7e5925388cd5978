"""`pathway`: the command-line interface. Exit codes: 0 done; 1 a check failed or the engine
failed; 2 bad input (file, YAML, profile or rules directory) or output that cannot be written
(a full disk, a closed stdout or stdin), with a message and no traceback.

Each command is one module of this package with `register(subparsers)`; this module only builds
the parser from them and turns the product's errors into messages and exit codes."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from engine.cli.common import EXIT_BAD_INPUT, EXIT_FAILED
from engine.errors import InputError, PathwayError, RulebaseError

# The commands, in the order `pathway --help` lists them: one module each under engine/cli/.
COMMANDS: tuple[str, ...] = (
    "explain",
    "check",
    "schema",
    "coverage",
    "table",
    "walkthrough",
    "sources",
    "explorer",
    "serve",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; only the command named in `argv` is imported (all of them for `--help`), so a
    command does not pay for the others' imports at start-up."""
    parser = argparse.ArgumentParser(
        prog="pathway",
        description="Explains which maintenance-treatment options two Canadian Cancer Society "
        "pages describe for a leukemia profile, quoting the text. It does not recommend "
        "treatment and does not replace a doctor.",
    )
    parser.add_argument("--rules", metavar="DIR", help=_RULES_HELP)
    # The same option after the command; SUPPRESS keeps a value given before it.
    global_options = argparse.ArgumentParser(add_help=False)
    global_options.add_argument(
        "--rules", metavar="DIR", default=argparse.SUPPRESS, help=_RULES_HELP
    )
    subparsers = _CommandParsers(
        parser.add_subparsers(dest="command", required=True, metavar="COMMAND"), global_options
    )
    named = _command_in(argv)
    for command in COMMANDS:
        if named is None or command == named:
            importlib.import_module(f"engine.cli.{command}").register(subparsers)
    return parser


_RULES_HELP = "rules directory (default: the bundled one)"


class _CommandParsers:
    """Stands in for argparse's subparsers action so that every command accepts the global
    options too, without each command module having to remember them."""

    def __init__(self, action: Any, global_options: argparse.ArgumentParser) -> None:
        self._action = action
        self._global_options = global_options

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parents = [*kwargs.pop("parents", ()), self._global_options]
        parser: argparse.ArgumentParser = self._action.add_parser(name, parents=parents, **kwargs)
        return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named in `argv`, or None when there is none to trust (help, a typo)."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--rules":
            next(tokens, None)
        elif token.startswith("-"):
            if token in ("-h", "--help"):
                return None
        else:
            return token if token in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    _stand_in_for_closed_streams()
    args = build_parser(arguments).parse_args(arguments)
    handler: Handler = args.handler
    try:
        code = handler(args)
        # Output to a full disk fails only when the buffer is flushed: do it here, where the
        # failure can still become a message, not at interpreter exit.
        sys.stdout.flush()
        return code
    except InputError as error:
        return _fail(error, EXIT_BAD_INPUT)
    except RulebaseError as error:
        return _fail(error, EXIT_FAILED if args.command == "check" else EXIT_BAD_INPUT)
    except PathwayError as error:
        return _fail(error, EXIT_FAILED)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        sys.stderr.close()
        return EXIT_FAILED
    except OSError as error:
        # Reading errors are InputErrors by now; what is left is output that cannot be written.
        return _output_failed(error)


class _ClosedStream(io.TextIOBase):
    """Stands in for a standard stream that was closed when the process started (Python sets it
    to None, and `print` to None writes nothing): every use fails as a closed descriptor does."""

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.description = description

    @property
    def buffer(self) -> _ClosedStream:
        return self

    def _closed(self, *_args: object) -> NoReturn:
        raise OSError(errno.EBADF, f"{self.description} is closed", self.name)

    write = read = readline = _closed


def _stand_in_for_closed_streams() -> None:
    if sys.stdout is None:
        sys.stdout = _ClosedStream("<stdout>", "standard output")
    if sys.stdin is None:
        sys.stdin = _ClosedStream("<stdin>", "standard input")


def _output_failed(error: OSError) -> int:
    name = error.filename if isinstance(error.filename, str) else "<stdout>"
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Whatever is still buffered would fail again at exit, with a traceback-like report.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print(
        f"pathway: error: {name}: cannot write: {error.strerror or error}\n"
        "Write the output somewhere with room (or redirect it to a file).",
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT


def _fail(error: PathwayError, code: int) -> int:
    print(f"pathway: error: {error}", file=sys.stderr)
    return code
