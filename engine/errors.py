"""One error hierarchy. Each error carries its data as attributes, `kind` (an `ErrorKind`, set at
every raise) says which check refused the input, and `suggestion` holds a "did you mean" name or
passage when there is one. The message says what happened and where on the first line, and how
to fix it on the second."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from engine.suggestions import did_you_mean


class ErrorKind(StrEnum):
    """Which check refused the input. The values are stable: `pathway check` prints them."""

    # A rules directory and its files.
    RULES_DIR_NOT_FOUND = "rules-dir-not-found"
    UNREADABLE_FILE = "unreadable-file"
    INVALID_YAML = "invalid-yaml"
    INVALID_FORMAT = "invalid-format"
    RENAMED_KEY = "renamed-key"
    UNLISTED_FILE = "unlisted-file"
    MISSING_FILE = "missing-file"
    UNKNOWN_PROFILE_MODEL = "unknown-profile-model"
    DUPLICATE_DISEASE = "duplicate-disease"
    DUPLICATE_ID = "duplicate-id"
    UNKNOWN_OPTION = "unknown-option"
    UNKNOWN_FIELD = "unknown-field"
    UNKNOWN_VALUE = "unknown-value"
    UNKNOWN_NAME = "unknown-name"
    CIRCULAR_NAME = "circular-name"
    MISSING_DOCUMENT = "missing-document"
    UNQUOTED_TREATMENT = "unquoted-treatment"
    OUTSIDE_RULES_DIRECTORY = "outside-rules-directory"
    NOT_A_REGULAR_FILE = "not-a-regular-file"
    FILE_TOO_LARGE = "file-too-large"
    ENGINE_LIMIT = "engine-limit"
    # Source documents and citations.
    MISMATCHED_ID = "mismatched-id"
    TEXT_CHANGED = "text-changed"
    DRIFTED_METADATA = "drifted-metadata"
    UNKNOWN_DOCUMENT = "unknown-document"
    DRIFTED_CITATION = "drifted-citation"
    # Inputs: profiles, cases, command-line arguments, output files.
    FILE_NOT_FOUND = "file-not-found"
    UNREADABLE_INPUT = "unreadable-input"
    INPUT_TOO_LARGE = "input-too-large"
    NOT_UTF8 = "not-utf8"
    NOT_A_MAPPING = "not-a-mapping"
    INVALID_PROFILE = "invalid-profile"
    INVALID_CASE = "invalid-case"
    UNKNOWN_CASE = "unknown-case"
    DUPLICATE_CASE = "duplicate-case"
    UNWRITABLE_OUTPUT = "unwritable-output"
    OUTPUT_IS_INPUT = "output-is-input"
    INVALID_TERMINOLOGY = "invalid-terminology"
    INVALID_FHIR_INPUT = "invalid-fhir-input"
    INVALID_SERVICE_SETTINGS = "invalid-service-settings"
    BAD_INPUT = "bad-input"
    # The matcher.
    ENGINE_FAILURE = "engine-failure"


class PathwayError(Exception):
    """Base of every error this project raises on purpose.

    `what` is the problem without its location, `fix` how to fix it, `suggestion` the closest
    known name or passage (phrased by `engine.suggestions`)."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        kind: ErrorKind,
        where: str = "",
        suggestion: str | None = None,
    ) -> None:
        self.what = what
        self.fix = fix
        self.kind = kind
        self.suggestion = suggestion
        second = " ".join(
            part
            for part in (
                suggestion and did_you_mean(suggestion, sentence_start=True),
                fix,
            )
            if part
        )
        first = f"{where}: {what}" if where else what
        super().__init__(f"{first}\n{second}" if second else first)


class YamlProblem(PathwayError):
    """Text that is not YAML this project accepts. `line` is 1-based when known. The readers of
    rule, profile and case files re-raise it as their own error, naming the file."""

    def __init__(self, what: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(
            what if line is None else f"line {line}: {what}", kind=ErrorKind.INVALID_YAML
        )


class RulebaseError(PathwayError):
    """A rules directory that cannot be loaded: the file, rule and field say where, and `kind`
    says which check refused it."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        kind: ErrorKind,
        path: Path | str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.rule_id = rule_id
        self.field = field
        where = [part for part in (self.path, rule_id and f"rule {rule_id}", field) if part]
        super().__init__(what, fix, kind=kind, where=": ".join(where), suggestion=suggestion)


class CitationError(RulebaseError):
    """A quote that is not verbatim (or not unique) in its document."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        document: str,
        quote: str,
        path: Path | str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.document = document
        self.quote = quote
        super().__init__(
            what,
            fix,
            kind=ErrorKind.DRIFTED_CITATION,
            path=path,
            rule_id=rule_id,
            field=field,
            suggestion=suggestion,
        )


class InputError(PathwayError):
    """A profile, case or argument that cannot be used: the file (or `<stdin>`, or the option)
    and field say where."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        path: str,
        field: str | None = None,
        kind: ErrorKind,
        suggestion: str | None = None,
    ) -> None:
        self.path = path
        self.field = field
        super().__init__(what, fix, kind=kind, where=path, suggestion=suggestion)


class InputErrorOfKind(InputError):
    """Base of an input error that always has one kind (a subclass sets `KIND`), so that callers
    can catch it by type while every raise still names its kind."""

    KIND: ClassVar[ErrorKind]

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        path: str,
        field: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(what, fix, path=path, field=field, kind=self.KIND, suggestion=suggestion)


class EngineError(PathwayError):
    """durable-rules failed or behaved unexpectedly; the rulebase cannot be trusted for this call.
    Its kind is always `engine-failure`."""

    def __init__(self, what: str, fix: str | None = None) -> None:
        super().__init__(what, fix, kind=ErrorKind.ENGINE_FAILURE)
