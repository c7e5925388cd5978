"""`pathway`: the command-line interface. Exit codes: 0 done; 1 a check failed or the engine
failed; 2 bad input (file, YAML, profile or rules directory), with a message and no traceback."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence

from pydantic import TypeAdapter, ValidationError

from engine.errors import InputError, PathwayError, RulebaseError
from engine.explainer import default_rulebase, explain
from engine.loader import load_rulebase
from engine.profile_input import read_profile_document, validation_input_error
from engine.render import FORMATS, render
from engine.rulebase import Rulebase
from schemas.profile import Profile

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

# Further commands live in their own modules, each with `register(subparsers)`.
COMMAND_MODULES: tuple[str, ...] = (
    "engine.cli_coverage",
    "engine.cli_table",
    "engine.cli_walkthrough",
)

Handler = Callable[[argparse.Namespace], int]


def rulebase_from(args: argparse.Namespace) -> Rulebase:
    """The rulebase named by `--rules`, or the project's own."""
    return load_rulebase(args.rules) if args.rules else default_rulebase()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pathway",
        description="Explains which maintenance-treatment options two Canadian Cancer Society "
        "pages describe for a leukemia profile, quoting the text. It does not recommend "
        "treatment and does not replace a doctor.",
    )
    parser.add_argument("--rules", metavar="DIR", help="rules directory (default: the bundled one)")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    explain_parser = subparsers.add_parser(
        "explain", help="explain one profile (YAML or JSON file, or - for stdin)"
    )
    # FILE is optional only so that `--batch` can replace it; _explain insists on one of them.
    explain_parser.add_argument("file", metavar="FILE|-", nargs="?")
    explain_parser.add_argument("--format", choices=FORMATS, default="text")
    explain_parser.add_argument(
        "--batch",
        metavar="IN.jsonl|-",
        help="explain one JSON profile per line; writes one JSON line per input line",
    )
    explain_parser.add_argument(
        "-o", "--output", metavar="OUT.jsonl", help="with --batch: write to this file"
    )
    explain_parser.set_defaults(handler=_explain, usage_error=explain_parser.error)

    check_parser = subparsers.add_parser("check", help="load and verify the rulebase")
    check_parser.set_defaults(handler=_check)

    schema_parser = subparsers.add_parser("schema", help="print the profile's JSON Schema")
    schema_parser.set_defaults(handler=_schema)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
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


def _explain(args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.file is not None:
            args.usage_error("give either FILE or --batch, not both")
        # Imported here so that explaining one file does not pay for the batch module.
        from engine.cli_batch import run_batch

        return run_batch(args.batch, args.output, rulebase_from(args))
    if args.file is None:
        args.usage_error("the following arguments are required: FILE|-")
    if args.output is not None:
        args.usage_error("-o/--output is only for --batch")
    name, document = read_profile_document(args.file)
    rulebase = rulebase_from(args)
    try:
        explanation = explain(document, rulebase=rulebase)
    except ValidationError as error:
        raise validation_input_error(error, document, name) from None
    sys.stdout.write(render(explanation, args.format))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    # Imported here: verification is only needed by this command (and keeps edits to this shared
    # module inside _check).
    from engine.verification import Finding, finding_of_load_error, verify

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


def _schema(_args: argparse.Namespace) -> int:
    print(json.dumps(TypeAdapter(Profile).json_schema(), indent=2))
    return EXIT_OK
