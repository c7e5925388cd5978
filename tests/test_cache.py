"""The explanation memo: keyed on the validated profile, one per rulebase, results immutable, and
durable-rules still decides every result the first time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine import Explanation, Rulebase, Status, explain, load_rulebase
from engine.domain.profile_space import every_profile
from engine.matching.durable_adapter import DurableMatcher
from engine.reasoning import cache as explanation_cache_module
from engine.reasoning.cache import cache_key
from schemas.profile import AmlProfile

AML_NO_TRANSPLANT = {
    "disease": "AML",
    "cytogenetic_risk": "intermediate",
    "transplant_status": "ineligible",
}


def _status(explanation: Explanation, option_id: str) -> Status:
    return next(option.status for option in explanation.options if option.id == option_id)


def test_equal_profiles_share_one_result(rulebase: Rulebase) -> None:
    first = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
    # Spelled differently, but the same profile once validated (missing means unknown).
    again = explain(
        {
            "disease": " aml",
            "cytogenetic_risk": "Intermediate",
            "transplant_status": "INELIGIBLE",
            "flt3_mutation": "unknown",
            "in_remission": None,
        },
        rulebase=rulebase,
    )
    assert again is first


def test_no_profile_gets_another_profiles_result(rulebase: Rulebase) -> None:
    for disease in ("AML", "ALL"):
        for profile in every_profile(disease):
            assert explain(profile, rulebase=rulebase).profile == profile
            # Twice: the second answer comes from the memo.
            mapping = profile.model_dump(mode="json")
            assert explain(mapping, rulebase=rulebase).profile == profile


def test_cached_results_differ_where_the_text_does(rulebase: Rulebase) -> None:
    # "Maintenance chemotherapy may be given to people with AML with intermediate or unfavourable
    # chromosome changes who are unable to have a stem cell transplant."
    unable = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
    received = explain({**AML_NO_TRANSPLANT, "transplant_status": "received"}, rulebase=rulebase)
    for _ in range(2):
        assert _status(unable, "aml-oral-azacitidine") is Status.APPLIES
        assert _status(received, "aml-oral-azacitidine") is Status.DOES_NOT_APPLY
        unable = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
        received = explain(
            {**AML_NO_TRANSPLANT, "transplant_status": "received"}, rulebase=rulebase
        )


def test_key_tells_true_from_one_and_fields_apart() -> None:
    validated = AmlProfile.model_validate({"disease": "AML", "flt3_mutation": True})
    # model_construct skips validation, so 1 (== True, same hash) could reach the memo.
    constructed = AmlProfile.model_construct(
        disease="AML",
        cytogenetic_risk=validated.cytogenetic_risk,
        flt3_mutation=1,  # type: ignore[arg-type]
        transplant_status=validated.transplant_status,
        in_remission=None,
    )
    assert cache_key(constructed) != cache_key(validated)
    swapped = AmlProfile.model_validate({"disease": "AML", "in_remission": True})
    assert cache_key(swapped) != cache_key(validated)


def test_unhashable_values_bypass_the_memo() -> None:
    constructed = AmlProfile.model_construct(
        disease="AML",
        cytogenetic_risk=["intermediate"],  # type: ignore[arg-type]
    )
    assert cache_key(constructed) is None


def test_memo_is_per_rulebase_and_filled_by_durable_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    original = DurableMatcher.fired

    def counting(self: DurableMatcher, ruleset: str, fact: Any) -> frozenset[str]:
        calls.append(ruleset)
        return original(self, ruleset, fact)

    monkeypatch.setattr(DurableMatcher, "fired", counting)
    first, second = load_rulebase(), load_rulebase()
    complete = {**AML_NO_TRANSPLANT, "flt3_mutation": False, "in_remission": True}

    result = explain(complete, rulebase=first)
    assert len(calls) >= 1, "the first result must come from durable-rules"
    assert len(first.explanations) == 1
    assert len(second.explanations) == 0

    asked = len(calls)
    assert explain(complete, rulebase=first) is result
    assert len(calls) == asked, "a repeated profile must not ask durable-rules again"

    other = explain(complete, rulebase=second)
    assert len(calls) > asked, "another rulebase asks its own engine"
    assert other is not result
    assert other == result


def test_memo_stops_growing_at_its_cap(rulebase: Rulebase, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_rulebase()
    monkeypatch.setattr(explanation_cache_module, "MAX_ENTRIES", 2)
    profiles = list(every_profile("AML"))[:3]
    results = [explain(profile, rulebase=fresh) for profile in profiles]
    assert len(fresh.explanations) == 2
    assert [r.profile for r in results] == profiles
    assert explain(profiles[2], rulebase=fresh) == explain(profiles[2], rulebase=rulebase)


MUTATIONS: list[tuple[str, Callable[[Any], object]]] = [
    ("top-level field", lambda e: setattr(e, "disclaimer", "changed")),
    ("nested model", lambda e: setattr(e.options[0], "status", Status.APPLIES)),
    ("profile", lambda e: setattr(e.profile, "disease", "ALL")),
    ("citation", lambda e: setattr(e.options[0].citations[0], "quote", "changed")),
]


@pytest.mark.parametrize(("where", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_results_cannot_be_assigned_to(
    rulebase: Rulebase, where: str, mutate: Callable[[Any], object]
) -> None:
    result = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
    before = result.model_dump()
    with pytest.raises(ValidationError, match="frozen"):
        mutate(result)
    assert explain(AML_NO_TRANSPLANT, rulebase=rulebase).model_dump() == before


def test_containers_are_tuples(rulebase: Rulebase) -> None:
    result = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
    with pytest.raises(AttributeError):
        result.options.append(result.options[0])  # type: ignore[attr-defined]
    assert isinstance(result.options[0].reasons, tuple)
    assert isinstance(result.missing_information, tuple)


def test_copies_and_dumps_are_fresh(rulebase: Rulebase) -> None:
    result = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
    original_disclaimer = result.disclaimer

    copy = result.model_copy(update={"disclaimer": "changed"})
    assert copy is not result
    assert copy.disclaimer == "changed"

    dumped = result.model_dump()
    dumped["options"][0]["status"] = "changed"
    dumped["profile"]["disease"] = "ALL"
    as_json = result.model_dump(mode="json")
    as_json["options"].clear()
    again = explain(AML_NO_TRANSPLANT, rulebase=rulebase)
    assert again is result
    assert again.disclaimer == original_disclaimer
    assert again.options[0].status is Status.APPLIES
    assert again.model_dump(mode="json")["options"]
    assert again.model_dump()["profile"]["disease"] == "AML"


def test_rules_copy_has_its_own_memo(rules_copy: Path) -> None:
    copied = load_rulebase(rules_copy)
    assert len(copied.explanations) == 0
    explain(AML_NO_TRANSPLANT, rulebase=copied)
    assert len(copied.explanations) == 1
