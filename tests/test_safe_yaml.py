"""YAML is read safely on both parsers (libyaml and the pure-Python fallback): no object
construction, no repeated keys, no anchors or aliases, bounded nesting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.inputs import safe_yaml
from engine.inputs.safe_yaml import MAX_DEPTH, YamlProblem, parse_yaml

PARSERS = [pytest.param(False, id="libyaml"), pytest.param(True, id="pure-python")]
RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.mark.parametrize("pure_python", PARSERS)
@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("disease: AML\ndisease: ALL\n", "key 'disease' is repeated", 2),
        ('{"disease": "AML", "disease": "ALL"}', "key 'disease' is repeated", 1),
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases", 1),
        ("a: 1\nb: &unused 2\n", "anchors and aliases", 2),
        ("!!python/object/apply:os.system ['true']\n", "could not determine a constructor", 1),
        ("a: !!python/name:os.system\n", "could not determine a constructor", 1),
        ("a: [1\n", "expected ','", 2),
        ("a: 1\n---\nb: 2\n", "expected a single document", 2),
        ("? [1, 2]\n: x\n", "mapping key must be a plain value", 1),
    ],
)
def test_refused_with_line(text: str, message: str, line: int, pure_python: bool) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text, pure_python=pure_python)
    assert message in str(caught.value)
    assert caught.value.line == line


@pytest.mark.parametrize("pure_python", PARSERS)
def test_billion_laughs_is_refused_before_expansion(pure_python: bool) -> None:
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    laughs += "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=False)
    )
    with pytest.raises(YamlProblem, match="anchors and aliases"):
        parse_yaml(laughs, pure_python=pure_python)


@pytest.mark.parametrize("pure_python", PARSERS)
def test_json_is_yaml(pure_python: bool) -> None:
    assert parse_yaml('{"disease": "AML", "flt3_mutation": null}', pure_python=pure_python) == {
        "disease": "AML",
        "flt3_mutation": None,
    }


@pytest.mark.parametrize("pure_python", PARSERS)
@pytest.mark.parametrize(
    "text", ["[" * 100_000, "a:\n" + "".join(" " * n + "- b:\n" for n in range(1, 400))]
)
def test_deep_nesting_is_a_problem_not_a_crash(text: str, pure_python: bool) -> None:
    with pytest.raises(YamlProblem):
        parse_yaml(text, pure_python=pure_python)


@pytest.mark.parametrize("pure_python", PARSERS)
def test_nesting_up_to_the_limit_is_read(pure_python: bool) -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    value = parse_yaml(text, pure_python=pure_python)
    for _ in range(MAX_DEPTH - 1):
        (value,) = value
    assert value == []
    with pytest.raises(YamlProblem, match="nests more than"):
        parse_yaml("[" + text + "]", pure_python=pure_python)


@pytest.mark.parametrize(
    "path",
    sorted(RULES.glob("*.yaml")) + sorted((RULES / "sources").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_both_parsers_read_the_shipped_files_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_yaml(text) == parse_yaml(text, pure_python=True)


def test_libyaml_is_used_when_present() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml here; the pure-Python parser is used")
    assert safe_yaml._StrictFastLoader is not None
    assert issubclass(safe_yaml._StrictFastLoader, yaml.CSafeLoader)
