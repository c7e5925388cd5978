"""Reading one YAML data file of the rules directory into its Pydantic model, with errors that
name the file, the rule id and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import ErrorKind, RulebaseError, YamlProblem
from engine.inputs.safe_yaml import parse_yaml
from engine.inputs.sandbox import MAX_RULE_FILE_BYTES, read_regular_file

Model = TypeVar("Model", bound=BaseModel)

_LISTS_OF_IDENTIFIED_ITEMS = ("rules", "notes", "options")
# Keys renamed in the rule format: (list, old key) -> new key. Refused with a message saying so,
# because "extra inputs are not permitted" would not tell the author what to write instead.
_RENAMED_KEYS = {("rules", "note"): "reading"}
_MAX_PROBLEMS_LISTED = 5


def read_yaml_model(path: Path, model: type[Model]) -> Model:
    try:
        text = read_regular_file(path, MAX_RULE_FILE_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise RulebaseError(
            "the file is not UTF-8 text",
            "Save it as UTF-8.",
            kind=ErrorKind.UNREADABLE_FILE,
            path=path,
        ) from None
    try:
        raw = parse_yaml(text)
    except YamlProblem as problem:
        raise RulebaseError(
            problem.what, "Fix the YAML at that line.", kind=ErrorKind.INVALID_YAML, path=path
        ) from None
    _refuse_renamed_keys(raw, path)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        located = [(*_locate(raw, detail["loc"]), detail["msg"]) for detail in error.errors()]
        rule_id, field, _ = located[0]
        problems = [
            f"{where or 'file'}: {message}"
            for item_id, where, message in located[:_MAX_PROBLEMS_LISTED]
            if item_id == rule_id
        ]
        if len(located) > len(problems):
            problems.append(f"{len(located) - len(problems)} more problems elsewhere in the file")
        # The error's prefix already names the first problem's field.
        what = located[0][2] if len(problems) == 1 else "; ".join(problems)
        raise RulebaseError(
            what,
            f"Fix it to match the {model.__name__} format (see docs/rule-format.md).",
            kind=ErrorKind.INVALID_FORMAT,
            path=path,
            rule_id=rule_id,
            field=field,
        ) from None


def _refuse_renamed_keys(raw: Any, path: Path) -> None:
    if not isinstance(raw, dict):
        return
    for (list_name, old_key), new_key in _RENAMED_KEYS.items():
        items = raw.get(list_name)
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict) and old_key in item:
                raise RulebaseError(
                    f"`{old_key}` was renamed to `{new_key}`",
                    f"Write `{new_key}:` instead of `{old_key}:` (same text).",
                    path=path,
                    rule_id=str(item.get("id", f"{list_name}[{index}]")),
                    field=old_key,
                    kind=ErrorKind.RENAMED_KEY,
                )


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str | None, str | None]:
    """Turn a Pydantic location into (id of the enclosing rule/note/option, dotted field path)."""
    rule_id = None
    if (
        len(loc) >= 2
        and loc[0] in _LISTS_OF_IDENTIFIED_ITEMS
        and isinstance(loc[1], int)
        and isinstance(raw, dict)
    ):
        items = raw.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            item_id = items[loc[1]].get("id")
            rule_id = str(item_id) if item_id is not None else f"{loc[0]}[{loc[1]}]"
        loc = loc[2:]
    # Drop Pydantic's union-member tags ("all", "field", "literal['always']") from the path.
    parts = [str(part) for part in loc if not (isinstance(part, str) and "[" in part)]
    return rule_id, ".".join(parts) or None
