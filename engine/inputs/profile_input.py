"""Reading profile input (a YAML/JSON file or stdin) and turning validation errors into one-paragraph
messages that name the file and the field, with a hint for typos and fields of the other disease."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.domain.profile_space import field_domains
from engine.errors import InputError
from engine.inputs.safe_yaml import YamlProblem, parse_yaml

STDIN = "-"
MAX_INPUT_BYTES = 1_000_000


def read_profile_document(source: str) -> tuple[str, Any]:
    """(display name, parsed YAML/JSON document) of a file path or `-` for stdin."""
    name, text = read_input_text(
        source, limit=MAX_INPUT_BYTES, size_fix="A profile is a few lines."
    )
    return name, parse_profile_text(text, name)


def read_input_text(
    source: str, *, limit: int, size_fix: str, not_found_fix: str = "Check the path."
) -> tuple[str, str]:
    """(display name, UTF-8 text) of a file path or `-` for stdin, reading at most `limit` bytes;
    InputError names the file for a missing, unreadable, oversized or non-UTF-8 input."""
    name = "<stdin>" if source == STDIN else source
    try:
        if source == STDIN:
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError("file not found", not_found_fix, path=name) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", None, path=name) from None
    if len(data) > limit:
        raise InputError(f"input is larger than {limit:,} bytes", size_fix, path=name)
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("input is not UTF-8 text", None, path=name) from None


def parse_profile_text(text: str, name: str) -> Any:
    try:
        document = parse_yaml(text)
    except YamlProblem as problem:
        raise InputError(
            f"not valid YAML or JSON: {problem}", None, path=name, field=None
        ) from None
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise InputError(
            f"a profile must be a mapping of fields, but the input is {kind}",
            "Write it as e.g. {disease: AML, cytogenetic_risk: intermediate}.",
            path=name,
        )
    return document


def describe_validation_error(error: ValidationError, raw: Any) -> tuple[str, str | None]:
    """(one-paragraph message, first field named) for a profile ValidationError."""
    disease = raw.get("disease") if isinstance(raw, dict) else None
    disease = disease.strip().upper() if isinstance(disease, str) else None
    problems = []
    first_field = None
    for detail in error.errors():
        # Pydantic prefixes the union member's tag ("AML"/"ALL"); the field follows it.
        loc = [str(part) for part in detail["loc"] if part not in ("AML", "ALL")]
        field = ".".join(loc) or ("disease" if detail["type"] == "invalid_disease" else "")
        first_field = first_field or field or None
        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = _unexpected_field_hint(field, disease)
        elif "input" in detail and detail["type"] != "invalid_disease":
            message = f"{message} (got {detail['input']!r})"
        # The disease error's own message already names the field.
        named = field and detail["type"] != "invalid_disease"
        problems.append(f"field '{field}': {message}" if named else message)
    return "; ".join(problems), first_field


def _unexpected_field_hint(field: str, disease: str | None) -> str:
    import difflib  # only when suggesting a fix: not at start-up

    if disease not in ("AML", "ALL"):
        return "unexpected field"
    other = "ALL" if disease == "AML" else "AML"
    if field in field_domains(other):
        return f"'{field}' is a field of {other} profiles, and this profile is {disease}"
    allowed = ["disease", *field_domains(disease)]
    # A prefix ("flt3" for "flt3_mutation") is as telling as a close spelling.
    close = [name for name in allowed if name.startswith(field.lower())] or (
        difflib.get_close_matches(field, allowed, n=1)
    )
    if close:
        return f"unknown field; did you mean '{close[0]}'?"
    return (
        "the documents never use this fact, so a profile cannot carry it "
        f"(allowed: {', '.join(allowed)})"
    )


def validation_input_error(error: ValidationError, raw: Any, name: str) -> InputError:
    message, field = describe_validation_error(error, raw)
    return InputError(f"invalid profile: {message}", None, path=name, field=field)
