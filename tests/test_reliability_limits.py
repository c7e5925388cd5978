"""The C core's limits are known at load time: wide `any`s are split into rules that fit, what
cannot fit is refused with exit 2 naming the file and the rule, and the limits the checks rely on
are the ones this build of durable-rules really has."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine import EngineError, load_rulebase
from engine.domain.conditions import Group, Leaf, Node
from engine.domain.profile_space import Value, completions
from engine.matching import limits
from engine.matching.durable_adapter import DurableMatcher
from engine.rulebase.model import when_name

PATHWAY = Path(sys.executable).with_name("pathway")
PROFILE = Path(__file__).resolve().parent.parent / "examples" / "profiles"
RULE_ID = "aml-rule-chemotherapy-without-transplant"
WHEN = """    when:
      all:
        - field: cytogenetic_risk
          in: [intermediate, unfavourable]
        - field: transplant_status
          is: ineligible
"""
CHEMOTHERAPY = {"field": "cytogenetic_risk", "in": ["intermediate", "unfavourable"]}
INELIGIBLE = {"field": "transplant_status", "is": "ineligible"}
IN_REMISSION = {"field": "in_remission", "is": True}


def _with_when(rules: Path, when: dict[str, Any]) -> Path:
    path = rules / "aml.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(WHEN) == 1
    path.write_text(text.replace(WHEN, f"    when: {json.dumps(when)}\n"), encoding="utf-8")
    return rules


def _holds(node: Node, world: dict[str, Value]) -> bool:
    if isinstance(node, Leaf):
        return node.holds_for(world[node.field])
    assert isinstance(node, Group)
    results = [_holds(item, world) for item in node.items]
    return all(results) if node.kind == "all" else any(results)


def _nested(depth: int) -> dict[str, Any]:
    """all/any alternating `depth` groups deep, with an `all` on top."""
    node: dict[str, Any] = IN_REMISSION
    for level in range(depth):
        node = {"any" if level % 2 else "all": [INELIGIBLE, node]}
    if "all" not in node:
        node = {"all": [INELIGIBLE, node]}
    return node


def _agrees_with_the_tree(rules: Path) -> int:
    rulebase = load_rulebase(rules)
    rule = next(rule for rule in rulebase.rules if rule.id == RULE_ID)
    worlds = list(completions("AML", {}))
    held = 0
    for world in worlds:
        fired = rulebase.firing.fired("AML", world)  # a fresh rulebase: each world asked once
        assert (when_name(RULE_ID) in fired) == _holds(rule.when, world), world
        held += _holds(rule.when, world)
    return held


def test_an_any_of_fourteen_alls_is_split_and_matches_like_the_tree(rules_copy: Path) -> None:
    # 29 groups in one rule (C error 113 unsplit): one durable rule per alternative.
    when = {"any": [{"all": [CHEMOTHERAPY, INELIGIBLE]} for _ in range(14)]}
    assert _agrees_with_the_tree(_with_when(rules_copy, when)) > 0


def test_an_any_of_seventy_alternatives_that_hold_at_once_is_matched(rules_copy: Path) -> None:
    # Unsplit, every profile in remission fails with C error 303 (a 64-entry match stack).
    when = {"any": [IN_REMISSION for _ in range(70)]}
    assert _agrees_with_the_tree(_with_when(rules_copy, when)) > 0


def test_a_nesting_too_deep_to_split_is_refused_at_load_naming_the_rule(rules_copy: Path) -> None:
    _with_when(rules_copy, _nested(16))
    completed = subprocess.run(
        [
            str(PATHWAY),
            "--rules",
            str(rules_copy),
            "explain",
            str(PROFILE / "aml-flt3-after-transplant.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "please report" not in completed.stderr
    assert f"aml.yaml: rule {RULE_ID}: when: the condition is too large" in completed.stderr
    assert "Flatten the nesting, or write the condition as several rules" in completed.stderr


def test_the_checked_limits_are_the_engine_s_real_ones() -> None:
    # Groups: 14 register, 15 do not (error 113).
    def groups_deep(count: int) -> dict[str, Any]:
        node: dict[str, Any] = {"f0": "x"}
        for level in range(count):
            node = {"$or" if level % 2 else "$and": [node, {f"g{level}": "y"}]}
        return node

    assert limits.groups(groups_deep(limits.MAX_GROUPS_PER_RULE)) == limits.MAX_GROUPS_PER_RULE
    DurableMatcher({"deep-ok": {"rule": groups_deep(limits.MAX_GROUPS_PER_RULE)}})
    with pytest.raises(EngineError, match="error code: 113"):
        DurableMatcher({"deep-bad": {"rule": groups_deep(limits.MAX_GROUPS_PER_RULE + 1)}})

    # Simultaneous matches: an `$or` of 64 alternatives that all hold works, 65 fail (303).
    def wide(count: int) -> DurableMatcher:
        return DurableMatcher(
            {f"wide-{count}": {"rule": {"$or": [{f"f{i}": "x"} for i in range(count)]}}}
        )

    fact = {f"f{i}": "x" for i in range(65)}
    assert wide(64).fired("wide-64", fact) == {"rule"}
    with pytest.raises(EngineError, match="error code: 303"):
        wide(65).fired("wide-65", fact)
    # The budget keeps a whole ruleset (plus the catch-all and the shared discriminator) below.
    assert limits.MAX_MATCH_WEIGHT_PER_RULESET + 2 < 64

    # Links from one node into `$or`s: 128 at most (107). The exact threshold varied between
    # runs (129 registered alone, not within the whole suite), so the budget keeps a margin.
    def repeated(count: int) -> dict[str, Any]:
        return {"rule": {"$or": [{"f": "x"}] * count}}

    DurableMatcher({"links-ok": repeated(limits.MAX_ALTERNATIVES_PER_RULESET)})
    with pytest.raises(EngineError, match="error code: 107"):
        DurableMatcher({"links-bad": repeated(130)})


def test_match_weight_bounds_the_paths_through_nested_groups() -> None:
    leaf = {"f": "x"}
    assert limits.match_weight(leaf) == 1
    assert limits.match_weight({"$or": [leaf, leaf, leaf]}) == 6
    # The second `all` member is reached once per alternative of the first.
    assert (
        limits.match_weight({"$and": [{"$or": [leaf, leaf]}, {"$or": [leaf, leaf]}]}) == 4 + 2 * 4
    )
