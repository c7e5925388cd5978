"""The durable-rules adapter: every matching rule fires, state never accumulates, threads are safe."""

from __future__ import annotations

import threading

import pytest

from engine import EngineError
from engine.matching.durable_adapter import DurableMatcher

RULESETS = {
    "demo-0": {
        "risk-high": {"$or": [{"risk": "intermediate"}, {"risk": "unfavourable"}]},
        "no-transplant": {"transplant": "ineligible"},
        "not-received": {"$neq": {"transplant": "received"}},
        "always": None,
    }
}


def test_every_matching_rule_fires_not_just_the_first() -> None:
    matcher = DurableMatcher(RULESETS)
    fired = matcher.fired("demo-0", {"risk": "intermediate", "transplant": "ineligible"})
    assert fired == {"risk-high", "no-transplant", "not-received", "always"}
    assert matcher.fired("demo-0", {"risk": "favourable", "transplant": "received"}) == {"always"}


def test_ten_thousand_evaluations_past_the_1024_state_limit() -> None:
    # One reused sid with the fact retracted each time: no state accumulates. A state per call
    # would raise MemoryError at the 1,025th.
    matcher = DurableMatcher(RULESETS)
    risks = ["favourable", "intermediate", "unfavourable"]
    for index in range(10_000):
        risk = risks[index % 3]
        fired = matcher.fired("demo-0", {"risk": risk, "transplant": "ineligible", "n": str(index)})
        assert ("risk-high" in fired) == (risk != "favourable")


def test_the_same_fact_can_be_asserted_again() -> None:
    matcher = DurableMatcher(RULESETS)
    fact = {"risk": "intermediate", "transplant": "received"}
    assert matcher.fired("demo-0", fact) == matcher.fired("demo-0", fact) == {"risk-high", "always"}


def test_unknown_ruleset_is_an_engine_error() -> None:
    with pytest.raises(EngineError):
        DurableMatcher(RULESETS).fired("nope", {"risk": "intermediate"})


def test_two_matchers_with_the_same_ruleset_names_coexist() -> None:
    first, second = (
        DurableMatcher(RULESETS),
        DurableMatcher({"demo-0": {"only": {"risk": "favourable"}}}),
    )
    assert first.fired("demo-0", {"risk": "favourable", "transplant": "x"}) == {
        "not-received",
        "always",
    }
    assert second.fired("demo-0", {"risk": "favourable"}) == {"only"}


def test_no_background_threads_are_started() -> None:
    before = threading.active_count()
    DurableMatcher(RULESETS).fired("demo-0", {"risk": "favourable", "transplant": "x"})
    assert threading.active_count() == before
