"""YAML is read safely: no object construction, no repeated keys, no anchors or aliases."""

from __future__ import annotations

import pytest

from engine.inputs.safe_yaml import YamlProblem, parse_yaml


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("disease: AML\ndisease: ALL\n", "key 'disease' is repeated", 2),
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases", 1),
        ("!!python/object/apply:os.system ['true']\n", "could not determine a constructor", 1),
        ("a: [1\n", "expected ','", 2),
        ("a: 1\n---\nb: 2\n", "expected a single document", 2),
        ("? [1, 2]\n: x\n", "mapping key must be a plain value", 1),
    ],
)
def test_refused_with_line(text: str, message: str, line: int) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    assert message in str(caught.value)
    assert caught.value.line == line


def test_billion_laughs_is_refused_before_expansion() -> None:
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    laughs += "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=False)
    )
    with pytest.raises(YamlProblem, match="anchors and aliases"):
        parse_yaml(laughs)


def test_json_is_yaml() -> None:
    assert parse_yaml('{"disease": "AML", "flt3_mutation": null}') == {
        "disease": "AML",
        "flt3_mutation": None,
    }


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    with pytest.raises(YamlProblem):
        parse_yaml("[" * 100_000)
