"""The case library: reading case files (errors name the file and the field), finding a bundled
case by id (with a "did you mean"), and comparing what a case says it teaches with `explain`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.bundled import bundled_dir
from engine.domain.profiles import BUNDLED_DISEASES, validate_profile
from engine.errors import ErrorKind, InputError, YamlProblem
from engine.inputs.profile_input import describe_validation_error, read_input_text
from engine.inputs.safe_yaml import parse_yaml
from engine.preview import preview, preview_name
from engine.rulebase.model import Rulebase
from engine.suggestions import closest, did_you_mean
from schemas.case import Case, CaseTeaching
from schemas.explanation import Explanation

CASE_SUFFIXES = (".yaml", ".yml", ".json")
MAX_CASE_BYTES = 200_000
_FORMAT_HINT = (
    "A case has: id (the file name), title, vignette, profile, learning_points (2 to 4) and "
    "teaches (options, notes, missing_information); see examples/cases/ for examples."
)


@dataclass(frozen=True)
class LoadedCase:
    """A validated case and the file it came from (for messages)."""

    case: Case
    path: Path

    @property
    def id(self) -> str:
        return self.case.id


def default_cases_dir() -> Path:
    """The bundled cases: the checkout's `examples/cases/`, or the copy an installed wheel carries."""
    return bundled_dir("cases")


def case_paths(directory: Path | None = None) -> list[Path]:
    """The case files of a directory, in file-name order; InputError if it is missing."""
    root = directory or default_cases_dir()
    if not root.is_dir():
        raise InputError(
            "the case directory is missing",
            "Reinstall pathway-explainer (its wheel carries the bundled cases), "
            "or name case files.",
            path=str(root),
            kind=ErrorKind.FILE_NOT_FOUND,
        )
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix in CASE_SUFFIXES)


def bundled_cases(directory: Path | None = None) -> tuple[LoadedCase, ...]:
    """Every case of the library, validated, in file-name order."""
    return tuple(read_case(path) for path in case_paths(directory))


def find_case(name: str, directory: Path | None = None) -> LoadedCase:
    """A case named by a file path or by the id of a bundled case."""
    path = Path(name)
    if path.suffix in CASE_SUFFIXES or "/" in name or path.is_file():
        return read_case(path)
    known = {p.stem: p for p in case_paths(directory)}
    if name in known:
        return read_case(known[name])
    suggestion = closest(name, known)
    raise InputError(
        "no bundled case has this id",
        None if suggestion else "Run `pathway walkthrough --list`.",
        path=name,
        field="case",
        kind=ErrorKind.UNKNOWN_CASE,
        suggestion=suggestion,
    )


def read_case(path: Path) -> LoadedCase:
    """Read and validate one case file; InputError names the file and the field."""
    name, text = read_input_text(
        str(path),
        limit=MAX_CASE_BYTES,
        size_fix="A case is a page.",
        not_found_fix="Check the path or give a case id.",
    )
    try:
        raw = parse_yaml(text)
    except YamlProblem as problem:
        raise InputError(
            f"not valid YAML: {problem.what}",
            "Fix the YAML at that line.",
            path=name,
            kind=ErrorKind.INVALID_YAML,
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            "a case must be a mapping of fields",
            _FORMAT_HINT,
            path=name,
            kind=ErrorKind.NOT_A_MAPPING,
        )
    _check_profile(raw, name)
    try:
        case = Case.model_validate(raw)
    except ValidationError as error:
        message, field = _describe(error, raw)
        raise InputError(
            message, _FORMAT_HINT, path=name, field=field, kind=ErrorKind.INVALID_CASE
        ) from None
    if case.id != path.stem:
        raise InputError(
            f"field 'id': '{case.id}' does not match the file name '{path.name}'",
            f"Set id: {path.stem}, or rename the file to {case.id}{path.suffix}.",
            path=name,
            field="id",
            kind=ErrorKind.INVALID_CASE,
        )
    return LoadedCase(case=case, path=path)


def _check_profile(raw: dict[str, Any], name: str) -> None:
    # The profile's own messages (typos, fields of the other disease) are those of `explain`.
    if "profile" not in raw:
        return
    try:
        # Teaching cases are about the bundled diseases (schemas/case.py).
        validate_profile(raw["profile"], BUNDLED_DISEASES)
    except ValidationError as error:
        message, field = describe_validation_error(error, raw["profile"])
        raise InputError(
            f"invalid profile: {message}",
            "The profile takes the same fields as `pathway explain` (see `pathway schema`).",
            path=name,
            field=f"profile.{field}" if field else "profile",
            kind=ErrorKind.INVALID_PROFILE,
        ) from None


_MODELS_AT: dict[tuple[str, ...], type[BaseModel]] = {(): Case, ("teaches",): CaseTeaching}


def _describe(error: ValidationError, raw: dict[str, Any]) -> tuple[str, str]:
    problems = []
    fields = []
    # A misspelt field also shows up as a missing one; naming the misspelling first says more.
    details = sorted(error.errors(), key=lambda detail: detail["type"] != "extra_forbidden")
    for detail in details[:5]:
        loc = tuple(preview_name(part) for part in detail["loc"])
        field = ".".join(loc) or "case"
        message = detail["msg"]
        model = _MODELS_AT.get(loc[:-1])
        if detail["type"] == "extra_forbidden" and model is not None:
            suggestion = closest(loc[-1], model.model_fields)
            message = (
                f"unknown field; {did_you_mean(suggestion)}" if suggestion else "unknown field"
            )
        elif detail["type"] != "missing" and "input" in detail:
            message = f"{message} (got {preview(detail['input'])})"
        problems.append(f"field '{field}': {message}")
        fields.append(field)
    return "; ".join(problems), fields[0]


def computed_teaching(explanation: Explanation, rulebase: Rulebase) -> dict[str, dict[str, str]]:
    """What `explain` gives, in the shape of `teaches`: option → status, note → status or
    `not_shown` (every note of the disease)."""
    shown = {note.id: note.status.value for note in explanation.notes}
    return {
        "options": {option.id: option.status.value for option in explanation.options},
        "notes": {
            note.id: shown.get(note.id, "not_shown")
            for note in rulebase.notes_of(explanation.profile.disease)
        },
    }


def teaching_differences(case: Case, explanation: Explanation, rulebase: Rulebase) -> list[str]:
    """Where the case's `teaches` disagrees with `explain`; empty when they agree.

    Every option of the disease must be listed; notes are listed only when the case is about them
    (so a new note in the rules does not invalidate every case)."""
    computed = computed_teaching(explanation, rulebase)
    taught: dict[str, dict[str, str]] = {
        "options": {key: str(value) for key, value in case.teaches.options.items()},
        "notes": dict(case.teaches.notes),
    }
    differences = []
    for kind in ("options", "notes"):
        for item_id, status in taught[kind].items():
            actual = computed[kind].get(item_id)
            if actual is None:
                suggestion = closest(item_id, computed[kind])
                hint = f"; {did_you_mean(suggestion)}" if suggestion else ""
                differences.append(
                    f"teaches.{kind}.{item_id}: not one of the {explanation.profile.disease} "
                    f"{kind}{hint}"
                )
            elif actual != status:
                differences.append(
                    f"teaches.{kind}.{item_id}: the case teaches '{status}', "
                    f"but the documents give '{actual}'"
                )
    for option_id, status in computed["options"].items():
        if option_id not in taught["options"]:
            differences.append(
                f"teaches.options.{option_id}: missing (the documents give '{status}')"
            )
    expected_missing = case.teaches.missing_information
    if expected_missing is not None and tuple(explanation.missing_information) != expected_missing:
        differences.append(
            f"teaches.missing_information: the case teaches {list(expected_missing)}, "
            f"but the documents give {list(explanation.missing_information)}"
        )
    return differences
