"""`pathway schema`: the profile's JSON Schema, for callers in other languages. With `--rules`, the
schema covers that rulebase's diseases; without, the bundled ones (no rulebase is loaded)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from engine.cli.common import EXIT_OK
from engine.domain.profiles import profile_json_schema
from schemas.profile import PROFILE_MODELS


def register(subparsers: Any) -> None:
    """Add the `schema` command."""
    parser = subparsers.add_parser("schema", help="print the profile's JSON Schema")
    parser.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    if getattr(args, "rules", None):
        # Imported here: only a named rules directory needs loading (it registers its models).
        from engine.rulebase.loader import load_rulebase

        known = load_rulebase(args.rules).diseases
    else:
        known = tuple(PROFILE_MODELS)
    print(json.dumps(profile_json_schema(known), indent=2))
    return EXIT_OK
