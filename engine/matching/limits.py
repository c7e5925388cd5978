"""The C core's limits, checked when a rulebase loads, and the splits that keep rules within them.

durable-rules 2.0.28 refuses or fails on expressions beyond fixed sizes compiled into its C core
(src/rules/rete.c, events.c, rules.h). Measured in this build through this project's adapter:

- all/any groups per rule: every `$and`/`$or` takes two entries of a 32-entry expression
  sequence, and the adapter's own wrapper takes one group. 14 groups register; 15 fail with C
  error 113 (an all/any nesting 15 deep, or an `any` of 14 two-leaf `all`s).
- links from one node into `$or`s (`NEXT_LIST_LENGTH` 128): one leaf repeated 130 times in an
  `any` fails with error 107 (129 registered in one run, not in another); kept well below by a
  budget of alternatives per ruleset.
- simultaneous matches: the matcher walks the network with a 64-entry stack; an `any` of 65
  alternatives that all hold fails every matching profile with error 303 (64 work). Bounded here
  by a per-ruleset budget of `match_weight`, an upper bound on the stack entries one fact can
  push.

A rule whose condition is too large is split when that is equivalent: an `any` at the top of a
condition becomes one durable rule per alternative (`<name>#<n>`), and the condition holds when
any part fires. What cannot be split (a deep nesting under an `all`) is refused at load time with
the file, the rule id and what to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Expression = dict[str, Any]

MAX_GROUPS_PER_RULE = 14
MAX_RULES_PER_RULESET = 40
MAX_MATCH_WEIGHT_PER_RULESET = 60
MAX_ALTERNATIVES_PER_RULESET = 100
_PART = "#"


class CoreLimitExceeded(ValueError):
    """A condition the C core cannot hold, even split. `fix` says what to change."""

    def __init__(self, what: str, fix: str) -> None:
        self.what = what
        self.fix = fix
        super().__init__(what)


def _items(expression: Expression) -> list[Expression] | None:
    for key in ("$and", "$or"):
        if key in expression:
            items: list[Expression] = expression[key]
            return items
    return None


def groups(expression: Expression | None) -> int:
    """How many all/any groups (`$and`/`$or`) the expression holds."""
    if expression is None:
        return 0
    items = _items(expression)
    return 0 if items is None else 1 + sum(groups(item) for item in items)


def alternatives(expression: Expression | None) -> int:
    """How many alternatives all its `$or`s have together (each is a link into the `$or`)."""
    if expression is None:
        return 0
    items = _items(expression)
    if items is None:
        return 0
    own = len(items) if "$or" in expression else 0
    return own + sum(alternatives(item) for item in items)


def _paths(expression: Expression) -> int:
    items = _items(expression)
    if items is None:
        return 1
    counts = [_paths(item) for item in items]
    if "$or" in expression:
        return sum(counts)
    product = 1
    for count in counts:
        product *= count
    return product


def match_weight(expression: Expression | None) -> int:
    """An upper bound on the match-stack entries one fact can push through this expression: each
    node once per path that reaches it (an `all` after an `any` is reached once per
    alternative)."""
    if expression is None:
        return 1
    items = _items(expression)
    if items is None:
        return 1
    if "$or" in expression:
        return sum(match_weight(item) + 1 for item in items)
    weight, reaching = 0, 1
    for item in items:
        weight += reaching * match_weight(item)
        reaching *= _paths(item)
    return weight


def _fits(expression: Expression | None) -> bool:
    return (
        groups(expression) <= MAX_GROUPS_PER_RULE
        and match_weight(expression) <= MAX_MATCH_WEIGHT_PER_RULESET
        and alternatives(expression) <= MAX_ALTERNATIVES_PER_RULESET
    )


def fit_rule(name: str, expression: Expression | None) -> dict[str, Expression | None]:
    """The durable rules standing for one condition: itself, or one per alternative of its top
    `any` (recursively). Raises CoreLimitExceeded when a part still does not fit."""
    if _fits(expression):
        return {name: expression}
    assert expression is not None  # the empty condition always fits
    if "$or" not in expression:
        raise CoreLimitExceeded(
            f"the condition is too large for the matching engine ({groups(expression)} nested "
            f"all/any groups, at most {MAX_GROUPS_PER_RULE}; {match_weight(expression)} "
            f"possible simultaneous matches, at most {MAX_MATCH_WEIGHT_PER_RULESET})",
            "Flatten the nesting, or write the condition as several rules: an `any` at the top "
            "of a condition is split automatically, an `all` cannot be.",
        )
    parts: dict[str, Expression | None] = {}
    for index, alternative in enumerate(expression["$or"]):
        parts.update(fit_rule(f"{name}{_PART}{index}", alternative))
    return parts


def original_name(durable_name: str) -> str:
    """The condition a (possibly split) durable rule stands for."""
    return durable_name.split(_PART, 1)[0]


def pack_rulesets(
    prefix: str, conditions: Mapping[str, Expression | None]
) -> dict[str, dict[str, Expression | None]]:
    """Group fitted rules into rulesets whose budgets keep the C core within its limits."""
    rulesets: list[dict[str, Expression | None]] = []
    weight = links = 0
    for name, expression in conditions.items():
        rule_weight, rule_links = match_weight(expression), alternatives(expression)
        if (
            not rulesets
            or len(rulesets[-1]) >= MAX_RULES_PER_RULESET
            or weight + rule_weight > MAX_MATCH_WEIGHT_PER_RULESET
            or links + rule_links > MAX_ALTERNATIVES_PER_RULESET
        ):
            rulesets.append({})
            weight = links = 0
        rulesets[-1][name] = expression
        weight += rule_weight
        links += rule_links
    return {f"{prefix}-{index}": rules for index, rules in enumerate(rulesets)}
