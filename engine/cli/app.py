"""`pathway`: the command-line interface. Exit codes: 0 done; 1 a check failed or the engine
failed; 2 bad input (file, YAML, profile or rules directory), with a message and no traceback.

Each command is one module of this package with `register(subparsers)`; this module only builds
the parser from them and turns the product's errors into messages and exit codes."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from engine.cli.common import EXIT_BAD_INPUT, EXIT_FAILED
from engine.errors import InputError, PathwayError, RulebaseError

# The commands, in the order `pathway --help` lists them: one module each under engine/cli/.
COMMANDS: tuple[str, ...] = ("explain", "check", "schema", "coverage", "table", "walkthrough")

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pathway",
        description="Explains which maintenance-treatment options two Canadian Cancer Society "
        "pages describe for a leukemia profile, quoting the text. It does not recommend "
        "treatment and does not replace a doctor.",
    )
    parser.add_argument("--rules", metavar="DIR", help="rules directory (default: the bundled one)")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        importlib.import_module(f"engine.cli.{command}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
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


def _fail(error: PathwayError, code: int) -> int:
    print(f"pathway: error: {error}", file=sys.stderr)
    return code
