"""`pathway schema`: the profile's JSON Schema, for callers in other languages."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import TypeAdapter

from engine.cli.common import EXIT_OK
from schemas.profile import Profile


def register(subparsers: Any) -> None:
    """Add the `schema` command."""
    parser = subparsers.add_parser("schema", help="print the profile's JSON Schema")
    parser.set_defaults(handler=_schema)


def _schema(_args: argparse.Namespace) -> int:
    print(json.dumps(TypeAdapter(Profile).json_schema(), indent=2))
    return EXIT_OK
