"""Many profiles at once: `explain_many` for library callers, and JSON Lines for
`pathway explain --batch`. One result per item, in order; a bad item is an error result naming the
field, never an exception, and nothing is held beyond the item at hand and a few bounded memos
(memory stays flat).

Speed: the output is produced as bytes, the encoded output of each distinct explanation is reused,
and a line whose profile (every key and value, their order and types, the `id` aside) equals an
earlier line's reuses that line's outcome instead of validating again; a line that starts with
its id and whose text after the id equals an earlier line's is not even parsed again. Two such lines are the same
input to validation, so the outcome is provably the same; values whose printed form could differ
while comparing equal (floats: `0.0` and `-0.0`) and nested values are never memoised.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from json.scanner import make_scanner
from typing import IO, Any

from pydantic import ValidationError

from engine.domain.profiles import diseases
from engine.inputs.profile_input import describe_validation_error
from engine.inputs.strict_json import RepeatedKey, refuse_repeated_keys
from engine.reasoning.explainer import cached_explanation, default_rulebase, validate_profile
from engine.rulebase.model import Rulebase
from schemas.batch import ErrorLine, SummaryLine
from schemas.explanation import Explanation, Status

MAX_LINE_BYTES = 1_000_000
"""The longest JSON Lines line read (without its newline); a profile is well under 1 kB."""

_SKIP_CHUNK = 1 << 16
_ENCODED_MAX = 4096  # distinct explanations whose encoded output is kept (468 exist)
_OUTCOMES_MAX = 65_536  # distinct input profiles whose outcome is kept


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

    def summary(self) -> SummaryLine | ErrorLine:
        """The compact line `pathway explain --batch --summary` writes for this item (`line` is
        `index + 1`, `id` null)."""
        if self.explanation is not None:
            return summarise(self.explanation, line=self.index + 1)
        return ErrorLine(
            line=self.index + 1, id=None, error=self.error or "invalid profile", field=self.field
        )


def summarise(explanation: Explanation, *, line: int = 1, ident: Any = None) -> SummaryLine:
    """The summary of one explanation: statuses, needs, notes shown, missing information."""
    return SummaryLine(
        line=line,
        id=ident,
        disease=explanation.profile.disease,
        statuses={option.id: option.status for option in explanation.options},
        needs={
            option.id: option.needs
            for option in explanation.options
            if option.status is Status.NEEDS_INFORMATION
        },
        notes={note.id: note.status for note in explanation.notes},
        missing_information=explanation.missing_information,
        rulebase_version=explanation.provenance.rulebase_version,
    )


def explain_many(
    profiles: Iterable[Any], *, rulebase: Rulebase | None = None
) -> Iterator[BatchResult]:
    """Explain each profile (a mapping or a profile object, which is validated again), yielding
    one result per item, in order and as it goes. Anything that is not a valid profile gives a
    result with `error` (and `field`, when one field is to blame) instead of raising; an engine
    failure still raises EngineError. `result.summary()` gives the compact form."""
    chosen = rulebase or default_rulebase()
    for index, profile in enumerate(profiles):
        yield explain_item(index, profile, chosen)


def explain_item(index: int, profile: Any, rulebase: Rulebase) -> BatchResult:
    """One item of `explain_many`: never raises for a bad item."""
    try:
        validated = validate_profile(profile, rulebase.diseases)
    except ValidationError as error:
        message, field = _described(error, profile)
        return BatchResult(index, error=f"invalid profile: {message}", field=field)
    except Exception as error:  # an object whose own methods fail (e.g. a broken Mapping)
        return BatchResult(
            index,
            error=f"invalid profile: it could not be read ({type(error).__name__}); "
            "give a mapping of fields or a profile object",
        )
    return BatchResult(index, explanation=cached_explanation(rulebase, validated))


def _described(error: ValidationError, profile: Any) -> tuple[str, str | None]:
    try:
        return describe_validation_error(error, profile)
    except Exception:  # a message must never be what fails; fall back to pydantic's own words
        details = error.errors(include_input=False)
        # Pydantic prefixes the union member's tag (a disease); the field follows it.
        loc = [str(part) for part in details[0]["loc"] if part not in diseases()]
        return "; ".join(detail["msg"] for detail in details), ".".join(loc) or None


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
    """Lines seen and lines that were errors, updated as the batch goes."""

    lines: int = 0
    errors: int = 0


def jsonl_pieces(
    lines: Iterable[bytes | None],
    rulebase: Rulebase,
    counts: BatchCounts | None = None,
    *,
    summary: bool = False,
) -> Iterator[tuple[bytes, bytes]]:
    """One output line per input line, in order, as two pieces of UTF-8 JSON that make the line
    (newline included) when written one after the other: `{"line":N,"id":ID` and the rest. The
    rest is shared between lines with the same outcome, so a writer copies it once, into its
    buffer. The line is one of
    - `{"line":N,"id":ID,"explanation":{...}}` (full mode, the default);
    - `{"line":N,"id":ID,"disease":...,"statuses":{...},...}` (`summary=True`, see SummaryLine);
    - `{"line":N,"id":ID,"error":"...","field":F}` (either mode, see ErrorLine).
    `id` is the input's `id` (a string or number), removed before validation, else null."""
    encoder = LineEncoder(rulebase, summary=summary, counts=counts)
    for number, raw in enumerate(lines, start=1):
        yield encoder.encode(number, raw)


def explain_jsonl(
    lines: Iterable[bytes | None],
    rulebase: Rulebase,
    counts: BatchCounts | None = None,
    *,
    summary: bool = False,
) -> Iterator[str]:
    """The lines of `jsonl_pieces` as text, without their newline."""
    for head, rest in jsonl_pieces(lines, rulebase, counts, summary=summary):
        yield (head + rest[:-1]).decode("utf-8")


class LineEncoder:
    """Turns each input line of one stream into its output pieces (see `jsonl_pieces`), with the
    memos of that stream, and counts lines and errors in `counts`."""

    def __init__(
        self, rulebase: Rulebase, *, summary: bool = False, counts: BatchCounts | None = None
    ) -> None:
        self._rulebase = rulebase
        self._summary = summary
        self.counts = counts if counts is not None else BatchCounts()
        # Keyed on id() while holding the explanation, so the id cannot be reused meanwhile.
        self._encoded: dict[int, tuple[Explanation, bytes]] = {}
        self._outcomes: dict[Hashable, tuple[bool, bytes]] = {}
        # Outcomes by the text after a leading `{"id": ID, `: see _split_leading_id.
        self._after_id: dict[str, tuple[bool, bytes]] = {}

    def encode(self, number: int, raw: bytes | None) -> tuple[bytes, bytes]:
        """The two pieces of output line `number` (1-based) for input line `raw`."""
        counts = self.counts
        counts.lines = number
        split = _split_leading_id(raw)
        if split is not None:
            known = self._after_id.get(split[1])
            if known is not None:
                if known[0]:
                    counts.errors += 1
                return b'{"line":%d,"id":%b' % (number, _encode_id(split[0])), known[1]
        parsed = _parse_line(number, raw)
        if isinstance(parsed, _Problem):
            counts.errors += 1
            return b'{"line":%d,"id":null' % number, _error_rest(parsed.message, parsed.field)
        ident, document = parsed
        head = b'{"line":%d,"id":%b' % (number, _encode_id(ident))
        key = _outcome_key(document)
        known = None if key is None else self._outcomes.get(key)
        if known is None:
            known = self._outcome(document)
            if key is not None:
                if len(self._outcomes) >= _OUTCOMES_MAX:
                    self._outcomes.clear()
                self._outcomes[key] = known
        if split is not None:
            # This line parsed whole, with no repeated key: any line that differs from it only
            # in the value of its leading id parses to the same fields.
            if len(self._after_id) >= _OUTCOMES_MAX:
                self._after_id.clear()
            self._after_id[split[1]] = known
        if known[0]:
            counts.errors += 1
        return head, known[1]

    def _outcome(self, document: dict[str, Any]) -> tuple[bool, bytes]:
        result = explain_item(0, document, self._rulebase)
        if result.explanation is None:
            return True, _error_rest(result.error or "invalid profile", result.field)
        explanation = result.explanation
        entry = self._encoded.get(id(explanation))
        if entry is None:
            if len(self._encoded) >= _ENCODED_MAX:
                self._encoded.clear()
            entry = self._encoded[id(explanation)] = (
                explanation,
                self._encoded_explanation(explanation),
            )
        return False, entry[1]

    def _encoded_explanation(self, explanation: Explanation) -> bytes:
        if self._summary:
            body = summarise(explanation).model_dump_json(exclude={"line", "id"})
            return b"," + body[1:].encode("utf-8") + b"\n"
        return b',"explanation":' + explanation.model_dump_json().encode("utf-8") + b"}\n"


@dataclass(frozen=True)
class _Problem:
    message: str
    field: str | None = None


def _parse_line(number: int, raw: bytes | None) -> _Problem | tuple[Any, dict[str, Any]]:
    """(id, the profile's fields) of one input line, or the problem with it."""
    document = _plain_object(raw)
    if document is None:
        parsed = _parse_document(number, raw)
        if isinstance(parsed, _Problem):
            return parsed
        document = parsed
    ident = document.pop("id", None)
    if not _valid_id(ident):
        return _Problem(f"field 'id': must be a string or a number (got {_json_kind(ident)})", "id")
    return ident, document


_ID_PREFIXES = ('{"id": ', '{"id":')
_ID_SEPARATORS = (", ", ",")


def _split_leading_id(raw: bytes | None) -> tuple[str | int | float, str] | None:
    """(id, the text after it) for a line that starts `{"id": ID, ` (or without the spaces) with
    a valid id; None for any other line.

    JSON's grammar is context-free: two lines that both start so and whose texts after the id are
    equal are one object with the same fields but the id. So once one of them has parsed whole
    (valid, no key repeated, hence no second `id`), the other has the same outcome without being
    parsed; `LineEncoder` stores only outcomes of lines that did."""
    if raw is None or raw[:5] != b'{"id"':
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for prefix, separator in zip(_ID_PREFIXES, _ID_SEPARATORS, strict=True):
        if text.startswith(prefix):
            try:
                ident, end = _SCAN(text, len(prefix))
            except (ValueError, StopIteration, RecursionError):
                return None
            if not text.startswith(separator, end) or not _valid_id(ident):
                return None
            return ident, text[end + len(separator) :]
    return None


def _plain_object(raw: bytes | None) -> dict[str, Any] | None:
    """The common line, parsed by the decoder's scanner alone: UTF-8, one JSON object, nothing
    around it. None for anything else, which `_parse_document` then reads (and explains)."""
    if raw is None or raw[:1] != b"{":
        return None
    try:
        text = raw.decode("utf-8")
        document, end = _SCAN(text, 0)
    except (ValueError, StopIteration, RecursionError):  # RepeatedKey is a ValueError
        return None
    return document if end == len(text) and type(document) is dict else None


def _parse_document(number: int, raw: bytes | None) -> _Problem | dict[str, Any]:
    if raw is None:
        return _Problem(f"line is longer than {MAX_LINE_BYTES:,} bytes; a profile is a few fields")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _Problem("line is not UTF-8 text")
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text or text.isspace():
        return _Problem("blank line; expected a JSON object holding one profile")
    try:
        document = _DECODER.decode(text)
    except RepeatedKey as repeated:
        return _Problem(f"key '{repeated.key}' is repeated", repeated.key)
    except json.JSONDecodeError as error:
        return _Problem(f"not valid JSON: {error.msg} at column {error.colno}")
    except (ValueError, RecursionError) as error:
        # Integers too long to convert, and arrays or objects nested too deeply to parse.
        problem = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return _Problem(f"not valid JSON: {problem}")
    if not isinstance(document, dict):
        return _Problem(
            f"a line must hold a JSON object (one profile), but it holds {_json_kind(document)}"
        )
    return document


_MEMOISABLE_TYPES = frozenset({str, int, bool, type(None)})


def _outcome_key(document: dict[str, Any]) -> Hashable | None:
    """What decides a profile's outcome, exactly: the keys and values in order, and the values'
    types (so `1` never stands in for `true`); None when a value is a float or nested."""
    values = tuple(document.values())
    kinds = tuple(map(type, values))
    if not _MEMOISABLE_TYPES.issuperset(kinds):
        return None
    return tuple(document), values, kinds


def _encode_id(ident: Any) -> bytes:
    if ident is None:
        return b"null"
    if isinstance(ident, str):
        # ASCII escapes keep lone surrogates (legal in JSON "\ud800" escapes) writable as UTF-8.
        return encode_basestring_ascii(ident).encode("ascii")
    return json.dumps(ident).encode("ascii")


def _error_rest(message: str, field: str | None) -> bytes:
    return b',"error":%b,"field":%b}\n' % (_json_bytes(message), _json_bytes(field))


# One decoder for every line: `json.loads` with a hook would build a new one per call.
_DECODER = json.JSONDecoder(object_pairs_hook=refuse_repeated_keys)
_SCAN = make_scanner(_DECODER)  # type: ignore[arg-type]  # typeshed: a decoder is what it takes


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


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode("ascii")
