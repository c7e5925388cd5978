"""The error contract: one base, a kind named at every raise, suggestions as attributes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine import InputError, PathwayError, RulebaseError
from engine.errors import ErrorKind, YamlProblem
from engine.inputs.safe_yaml import parse_yaml

ENGINE = Path(__file__).resolve().parent.parent / "engine"

# Errors whose class fixes the kind (CitationError: drifted-citation, EngineError:
# engine-failure, YamlProblem: invalid-yaml) are not listed: they take no `kind`.
NEEDS_KIND = {"PathwayError", "RulebaseError", "InputError"}

# engine/cli/batch.py belongs to the batch work and still relies on InputError's transitional
# default kind; it names its kinds when that work lands.
NOT_YET_CONVERTED = {"cli/batch.py"}


def _raises_without_kind() -> list[str]:
    missing = []
    for path in sorted(ENGINE.rglob("*.py")):
        if str(path.relative_to(ENGINE)) in NOT_YET_CONVERTED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in NEEDS_KIND
                and not any(keyword.arg == "kind" for keyword in node.keywords)
            ):
                missing.append(f"{path.relative_to(ENGINE.parent)}:{node.lineno}")
    return missing


def test_every_raise_names_its_kind() -> None:
    assert _raises_without_kind() == []


def test_a_kind_is_required_where_the_class_does_not_fix_it() -> None:
    with pytest.raises(TypeError):
        RulebaseError("no kind given")  # type: ignore[call-arg]


def test_yaml_problems_belong_to_the_hierarchy() -> None:
    with pytest.raises(PathwayError) as caught:
        parse_yaml("a: 1\na: 2\n")
    assert isinstance(caught.value, YamlProblem)
    assert (caught.value.kind, caught.value.line) == (ErrorKind.INVALID_YAML, 2)


def test_the_suggestion_is_an_attribute_and_phrased_once() -> None:
    error = InputError(
        "no such case", None, path="x", kind=ErrorKind.UNKNOWN_CASE, suggestion="all-t-cell"
    )
    assert error.suggestion == "all-t-cell"
    assert str(error) == "x: no such case\nDid you mean 'all-t-cell'?"


def test_kinds_are_kebab_case_strings() -> None:
    for kind in ErrorKind:
        assert kind.value == kind.name.lower().replace("_", "-")
