"""Many profiles at once: `explain_many` for library callers, and JSON Lines streaming for
`pathway explain --batch`. One result per item, in order; a bad item is an error result naming the
field, never an exception, and nothing is held beyond the item at hand (memory stays flat)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError

from engine.inputs.profile_input import describe_validation_error
from engine.reasoning.explainer import cached_explanation, default_rulebase, validate_profile
from engine.rulebase.model import Rulebase
from schemas.explanation import Explanation

MAX_LINE_BYTES = 1_000_000
"""The longest JSON Lines line read (without its newline); a profile is well under 1 kB."""

_SKIP_CHUNK = 1 << 16
_RENDERED_MAX = 4096


@dataclass(frozen=True)
class BatchResult:
    """The outcome for item `index` (0-based): an explanation, or an error naming the field."""

    index: int
    explanation: Explanation | None = None
    error: str | None = None
    field: str | None = None

    @property
    def ok(self) -> bool:
        return self.explanation is not None


def explain_many(
    profiles: Iterable[Any], *, rulebase: Rulebase | None = None
) -> Iterator[BatchResult]:
    """Explain each profile (a mapping or a validated profile), yielding one result per item, in
    order and as it goes. An invalid item gives a result with `error` (and `field`, when one field
    is to blame) instead of raising; an engine failure still raises EngineError."""
    chosen = rulebase or default_rulebase()
    for index, profile in enumerate(profiles):
        yield explain_item(index, profile, chosen)


def explain_item(index: int, profile: Any, rulebase: Rulebase) -> BatchResult:
    try:
        validated = validate_profile(profile)
    except ValidationError as error:
        message, field = describe_validation_error(error, profile)
        return BatchResult(index, error=f"invalid profile: {message}", field=field)
    return BatchResult(index, explanation=cached_explanation(rulebase, validated))


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """Each line of a binary stream without its line ending, or None for a line longer than
    `limit` bytes. Reads at most `limit + 1` bytes at a time, so one huge line cannot fill memory."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if line.endswith(b"\n"):
            line = line[:-1]
        elif len(line) > limit:
            _skip_rest_of_line(stream)
            yield None
            continue
        yield line[:-1] if line.endswith(b"\r") else line


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


@dataclass
class BatchCounts:
    """Lines seen and lines that were errors, updated as `explain_jsonl` goes."""

    lines: int = 0
    errors: int = 0


def explain_jsonl(
    lines: Iterable[bytes | None], rulebase: Rulebase, counts: BatchCounts | None = None
) -> Iterator[str]:
    """One output line (JSON text, no newline) per input line, in order:
    `{"line":N,"id":ID,"explanation":{...}}` or `{"line":N,"id":ID,"error":"...","field":F}`.
    `id` is the input's `id` (a string or number), removed before validation, else null."""
    counts = counts if counts is not None else BatchCounts()
    # The same explanation object comes back for the same profile, so its JSON is memoised too;
    # the memo lives only as long as this stream and holds the explanations it keys on.
    rendered: dict[int, tuple[Explanation, str]] = {}
    for number, raw in enumerate(lines, start=1):
        counts.lines = number
        ident, outcome = _explain_line(number, raw, rulebase)
        if isinstance(outcome, Explanation):
            entry = rendered.get(id(outcome))
            if entry is None:
                if len(rendered) >= _RENDERED_MAX:
                    rendered.clear()  # unreachable with one rulebase's 468 profiles; a guard
                entry = rendered[id(outcome)] = (outcome, outcome.model_dump_json())
            yield f'{{"line":{number},"id":{_json(ident)},"explanation":{entry[1]}}}'
        else:
            counts.errors += 1
            message, field = outcome
            yield (
                f'{{"line":{number},"id":{_json(ident)},"error":{_json(message)},'
                f'"field":{_json(field)}}}'
            )


LineOutcome = Explanation | tuple[str, str | None]


def _explain_line(number: int, raw: bytes | None, rulebase: Rulebase) -> tuple[Any, LineOutcome]:
    if raw is None:
        return None, (
            f"line is longer than {MAX_LINE_BYTES:,} bytes; a profile is a few fields",
            None,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, ("line is not UTF-8 text", None)
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None, ("blank line; expected a JSON object holding one profile", None)
    try:
        document = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except _RepeatedKey as repeated:
        return None, (f"key '{repeated.key}' is repeated", repeated.key)
    except json.JSONDecodeError as error:
        return None, (f"not valid JSON: {error.msg} at column {error.colno}", None)
    except (ValueError, RecursionError) as error:
        # Integers too long to convert, and arrays or objects nested too deeply to parse.
        problem = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return None, (f"not valid JSON: {problem}", None)
    if not isinstance(document, dict):
        return None, (
            f"a line must hold a JSON object (one profile), but it holds {_json_kind(document)}",
            None,
        )
    ident = document.pop("id", None)
    if not _valid_id(ident):
        return None, (f"field 'id': must be a string or a number (got {_json_kind(ident)})", "id")
    result = explain_item(number - 1, document, rulebase)
    if result.explanation is not None:
        return ident, result.explanation
    return ident, (result.error or "invalid profile", result.field)


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return document


def _valid_id(ident: Any) -> bool:
    if ident is None or isinstance(ident, str):
        return True
    if isinstance(ident, bool):
        return False
    return isinstance(ident, int) or (isinstance(ident, float) and math.isfinite(ident))


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


def _json(value: Any) -> str:
    # ASCII escapes keep lone surrogates (legal in JSON "\ud800" escapes) writable as UTF-8.
    return json.dumps(value, ensure_ascii=True)
