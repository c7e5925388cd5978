"""Loading the terminology map: the shipped `rules/terminology.yaml`, then a site's own file that
extends it or overrides entries (same section, system and code). Every entry is checked against
the profile schema, so a map can never set a field or value a profile does not have.

A bad file is an InputError (kind `invalid-terminology`) naming the file and the field.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.domain.profile_space import field_domains
from engine.errors import ErrorKind, InputError, InputErrorOfKind
from engine.inputs.profile_input import read_input_text
from engine.inputs.safe_yaml import YamlProblem, parse_yaml
from engine.rulebase.loader import default_rules_dir
from schemas.profile import PROFILE_MODELS
from schemas.terminology import (
    AnswerEntry,
    ConditionEntry,
    ObservationEntry,
    ProcedureEntry,
    SetValue,
    TerminologyFile,
)

TERMINOLOGY_FILE = "terminology.yaml"
MAX_TERMINOLOGY_BYTES = 5_000_000
_FORMAT_HINT = "See docs/fhir-mapping.md for the terminology file format."

Key = tuple[str, str]
"""(code system URI, code)."""


class TerminologyError(InputErrorOfKind):
    """A terminology file that cannot be used: the file and the field say where."""

    KIND = ErrorKind.INVALID_TERMINOLOGY


@dataclass(frozen=True)
class Terminology:
    """A loaded, merged terminology map, keyed by (system, code) in each section."""

    answers: Mapping[Key, AnswerEntry]
    conditions: Mapping[Key, ConditionEntry]
    observations: Mapping[Key, ObservationEntry]
    procedures: Mapping[Key, ProcedureEntry]
    files: tuple[str, ...]


def default_terminology_path() -> Path:
    """The shipped map, `rules/terminology.yaml`."""
    return default_rules_dir() / TERMINOLOGY_FILE


def load_terminology(
    extra: str | Path | None = None, *, base: str | Path | None = None
) -> Terminology:
    """The terminology map: `base` (default: the shipped map) extended or overridden by `extra`.

    Raises TerminologyError naming the file and the field for a missing, unreadable or invalid
    file, an entry that sets a field or value the profile does not have, or an observation value
    keyed by an answer no answer entry defines.
    """
    paths = [Path(base) if base is not None else default_terminology_path()]
    if extra is not None:
        paths.append(Path(extra))
    sections: dict[str, dict[Key, tuple[Any, str, str]]] = {
        "answers": {},
        "conditions": {},
        "observations": {},
        "procedures": {},
    }
    for path in paths:
        document = _read(path)
        for section, entries in sections.items():
            seen: set[Key] = set()
            for index, entry in enumerate(getattr(document, section)):
                where = f"{section}[{index}]"
                key = (entry.system, entry.code)
                if key in seen:
                    raise TerminologyError(
                        f"{entry.system} {entry.code} appears twice in {section}",
                        "Keep one entry per system and code in a file.",
                        path=str(path),
                        field=f"{where}.code",
                    )
                seen.add(key)
                _check_values(entry, str(path), where)
                entries[key] = (entry, str(path), where)
    tokens = {entry.answer for entry, _, _ in sections["answers"].values()}
    for entry, path_name, where in sections["observations"].values():
        for token in entry.values:
            if token not in tokens:
                raise TerminologyError(
                    f"answer '{token}' is not defined by any entry of answers"
                    + _suggest(token, tokens),
                    "Add an answers entry naming it, or use a defined answer.",
                    path=path_name,
                    field=f"{where}.values.{token}",
                )
    return Terminology(
        answers=_frozen(sections["answers"]),
        conditions=_frozen(sections["conditions"]),
        observations=_frozen(sections["observations"]),
        procedures=_frozen(sections["procedures"]),
        files=tuple(str(path) for path in paths),
    )


@functools.cache
def shipped_terminology() -> Terminology:
    """The shipped map, loaded once per process (the cache is functools' own, thread-safe; the
    map is immutable, so sharing it is safe)."""
    return load_terminology()


def _frozen(section: dict[Key, tuple[Any, str, str]]) -> Mapping[Key, Any]:
    return MappingProxyType({key: entry for key, (entry, _, _) in section.items()})


def _read(path: Path) -> TerminologyFile:
    name = str(path)
    try:
        _, text = read_input_text(
            name,
            limit=MAX_TERMINOLOGY_BYTES,
            size_fix="Split the map, or keep only the codes your site uses.",
        )
    except InputError as error:
        # The reader's message already starts with the file name; keep one.
        what = error.what.removeprefix(f"{name}: ")
        raise TerminologyError(what, error.fix, path=name) from None
    try:
        raw = parse_yaml(text)
    except YamlProblem as problem:
        raise TerminologyError(
            f"not valid YAML: {problem}", "Fix the YAML at that line.", path=name
        ) from None
    try:
        return TerminologyFile.model_validate(raw)
    except ValidationError as error:
        detail = error.errors()[0]
        field = _dotted(detail["loc"])
        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = "unexpected field"
        elif detail["type"] == "model_type" and not detail["loc"]:
            message = "a terminology file must be a mapping with `version: 1` and its sections"
        elif "input" in detail and not isinstance(detail["input"], dict | list):
            message = f"{message} (got {detail['input']!r})"
        more = len(error.errors()) - 1
        if more:
            message += f" ({more} more problem{'s' if more > 1 else ''} in the file)"
        raise TerminologyError(message, _FORMAT_HINT, path=name, field=field or None) from None


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _check_values(entry: BaseModel, path: str, where: str) -> None:
    """Every field an entry sets exists (for its disease, if it names one) and takes the value."""
    if isinstance(entry, ConditionEntry):
        if entry.disease is None and not entry.sets:
            raise TerminologyError(
                "a condition entry must name a disease or set at least one field",
                " or ".join(f"`disease: {disease}`" for disease in PROFILE_MODELS)
                + ", or `sets: {field: value}`.",
                path=path,
                field=where,
            )
        for field, value in entry.sets.items():
            _check_field(field, value, entry.disease, path, f"{where}.sets.{field}")
    elif isinstance(entry, ProcedureEntry):
        for field, value in entry.sets.items():
            _check_field(field, value, None, path, f"{where}.sets.{field}")
    elif isinstance(entry, ObservationEntry):
        for token, value in entry.values.items():
            _check_field(entry.field, value, None, path, f"{where}.values.{token}")


def _check_field(field: str, value: SetValue, disease: str | None, path: str, where: str) -> None:
    diseases = [disease] if disease is not None else list(PROFILE_MODELS)
    domains = [field_domains(name)[field] for name in diseases if field in field_domains(name)]
    if not domains:
        known = sorted({name for d in diseases for name in field_domains(d)})
        scope = f"of {disease} profiles" if disease is not None else "of any profile"
        if field == "disease":
            what, fix = "`disease` is not set through sets", "Use the entry's `disease:` key."
        else:
            what = f"'{field}' is not a field {scope}" + _suggest(field, known)
            fix = f"Fields: {', '.join(known)}."
        raise TerminologyError(what, fix, path=path, field=where)
    allowed = [known for domain in domains for known in domain]
    if value not in allowed or isinstance(value, bool) != isinstance(allowed[0], bool):
        shown = ", ".join(str(item).lower() if isinstance(item, bool) else item for item in allowed)
        raise TerminologyError(
            f"{value!r} is not a value of '{field}'",
            f"Use one of: {shown} (a code never sets `unknown`).",
            path=path,
            field=where,
        )


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""
