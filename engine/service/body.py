"""Reading a request body as the CLI reads a file: bounded in size, strict JSON (a repeated key is
refused, as the CLI's YAML reader refuses it), and bounded in nesting so that a pathological
document is a 400, not a stack overflow."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from engine.inputs.strict_json import RepeatedKey, refuse_repeated_keys
from engine.service.problems import ApiError

MAX_BODY_BYTES = 1_000_000
"""The largest request body accepted; a profile is under 1 kB and a patient's prefetch far below."""

MAX_DEPTH = 64
"""The deepest nesting accepted. FHIR resources nest about ten levels; JSON nested deeper than this
is not a record."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refusing (413) more than `limit` bytes without reading past it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"the request body is larger than {limit:,} bytes; a profile or a patient's record is "
        "far smaller",
        kind="body-too-large",
    )


async def read_json_object(request: Request, what: str) -> dict[str, Any]:
    """The body as a JSON object (400 for anything else), `what` naming it in messages."""
    return parse_json_object(await read_body(request), what)


def parse_json_object(raw: bytes, what: str) -> dict[str, Any]:
    document = parse_json(raw)
    if not isinstance(document, dict):
        raise ApiError(
            400,
            f"the body must be a JSON object ({what}), but it is {json_kind(document)}",
            kind="not-an-object",
        )
    return document


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no repeated keys, nested at most MAX_DEPTH levels."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not UTF-8 text", kind="not-utf8") from None
    if not text.strip():
        raise ApiError(400, "the body is empty; expected a JSON object", kind="empty-body")
    try:
        document = json.loads(text, object_pairs_hook=refuse_repeated_keys)
    except RepeatedKey as repeated:
        raise ApiError(
            400,
            f"key '{repeated.key}' is repeated in one object; JSON objects must have unique keys",
            (repeated.key,),
            kind="repeated-key",
        ) from None
    except json.JSONDecodeError as error:
        raise ApiError(
            400,
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            kind="invalid-json",
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:
        # Integers too long to convert.
        raise ApiError(400, f"not valid JSON: {error}", kind="invalid-json") from None
    if isinstance(document, dict | list) and _depth_exceeds(text, MAX_DEPTH):
        raise _too_deep()
    return document


def _too_deep() -> ApiError:
    return ApiError(
        400, f"the JSON is nested more than {MAX_DEPTH} levels deep", kind="nested-too-deeply"
    )


# In valid JSON every bracket outside a string opens or closes a level; strings (with their
# escapes) go first, so that brackets inside them do not count.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether a valid JSON text nests its arrays and objects more than `limit` deep. Regular
    expressions (C speed) strip it to its brackets, then each pass removes the innermost level:
    a large record costs microseconds, and no stack is involved however deep it goes."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST.sub("", brackets)
    return bool(brackets)


def json_kind(value: Any) -> str:
    """ "an object", "an array", ... as a message names a JSON value's type."""
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")
