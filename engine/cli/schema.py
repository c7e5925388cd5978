"""`pathway schema`: the profile's JSON Schema, for callers in other languages: by default what
validation accepts (to check a profile before sending it); `--output` the canonical form. With
`--rules`, the schema covers that rulebase's diseases; without, the bundled ones."""

from __future__ import annotations

import argparse
import json
from typing import Any

from engine.cli.common import EXIT_OK
from engine.inputs.profile_schema import profile_json_schema


def register(subparsers: Any) -> None:
    """Add the `schema` command."""
    parser = subparsers.add_parser(
        "schema",
        help="print the profile's JSON Schema (what is accepted; --output: canonical form)",
    )
    parser.add_argument(
        "--output",
        action="store_true",
        help="the canonical profile, one spelling per value, as explain returns it",
    )
    parser.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    known = None
    if getattr(args, "rules", None):
        # Imported here: only a named rules directory needs loading (it registers its models).
        from engine.rulebase.loader import load_rulebase

        known = load_rulebase(args.rules).diseases
    schema = profile_json_schema("canonical" if args.output else "input", known)
    print(json.dumps(schema, indent=2))
    return EXIT_OK
