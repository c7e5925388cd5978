"""The explanation memo: keyed on the validated profile, one per rulebase, results immutable, and
durable-rules still decides every result the first time."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import ConfigDict, ValidationError

from engine import Explanation, Rulebase, Status, explain, explain_many, load_rulebase
from engine.domain.profile_space import every_profile
from engine.matching.durable_adapter import DurableMatcher
from engine.reasoning import cache as explanation_cache_module
from engine.reasoning.cache import EXPLANATION_CACHES, cache_key, explanation_cache
from engine.rulebase import model as model_module
from schemas.profile import AllProfile, AmlProfile, CytogeneticRisk, TransplantStatus

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
    assert len(explanation_cache(first)) == 1
    assert len(explanation_cache(second)) == 0

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
    assert len(explanation_cache(fresh)) == 2
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
    assert len(explanation_cache(copied)) == 0
    explain(AML_NO_TRANSPLANT, rulebase=copied)
    assert len(explanation_cache(copied)) == 1


# Issue 9, item 10: the memo owns what it hands out.


class MutableAmlProfile(AmlProfile):
    """A caller's own profile class: the same fields, but assignable."""

    model_config = ConfigDict(frozen=False)


def test_memo_keeps_its_own_copy_of_a_callers_profile() -> None:
    fresh = load_rulebase()
    mine = MutableAmlProfile.model_validate(AML_NO_TRANSPLANT)
    result = explain(mine, rulebase=fresh)
    assert result.profile is not mine
    assert type(result.profile) is AmlProfile
    mine.transplant_status = TransplantStatus.RECEIVED
    mine.cytogenetic_risk = "bogus"  # type: ignore[assignment]
    again = explain(AML_NO_TRANSPLANT, rulebase=fresh)
    assert again.profile.transplant_status is TransplantStatus.INELIGIBLE
    assert again.profile.cytogenetic_risk is CytogeneticRisk.INTERMEDIATE
    assert _status(again, "aml-oral-azacitidine") is Status.APPLIES


def test_even_a_plain_validated_profile_is_copied() -> None:
    fresh = load_rulebase()
    mine = AmlProfile.model_validate(AML_NO_TRANSPLANT)
    assert explain(mine, rulebase=fresh).profile is not mine


def _fields_sets(explanation: Explanation) -> list[set[str]]:
    option, note = explanation.options[0], explanation.notes[0]
    return [
        explanation.model_fields_set,
        explanation.profile.model_fields_set,
        option.model_fields_set,
        option.reasons[0].model_fields_set,
        option.citations[0].model_fields_set,
        note.model_fields_set,
        explanation.provenance.sources[0].model_fields_set,
    ]


def test_fields_sets_are_not_shared_mutable_state() -> None:
    fresh = load_rulebase()
    first = explain(AML_NO_TRANSPLANT, rulebase=fresh)
    expected = first.model_dump(mode="json", exclude_unset=True)
    assert expected["options"] and expected["profile"]["disease"] == "AML"
    for fields_set in _fields_sets(first):
        with contextlib.suppress(TypeError):
            fields_set.clear()
        with contextlib.suppress(TypeError):
            fields_set.add("changed")
    again = explain(AML_NO_TRANSPLANT, rulebase=fresh)
    assert again.model_dump(mode="json", exclude_unset=True) == expected


def test_sealed_results_still_copy_and_pickle() -> None:
    result = explain(AML_NO_TRANSPLANT, rulebase=load_rulebase())
    changed = result.model_copy(update={"disclaimer": "changed"})
    assert changed.disclaimer == "changed"
    changed.model_fields_set.add("anything")  # the copy's own, ordinary set
    assert "anything" not in result.model_fields_set
    deep = result.model_copy(deep=True)
    assert deep == result
    assert pickle.loads(pickle.dumps(result)) == result


# Issue 9, item 11: profile objects are validated again.

CONSTRUCTED: list[tuple[str, Callable[[], Any], str]] = [
    ("missing disease", lambda: AmlProfile.model_construct(), "disease"),
    (
        "bogus risk",
        lambda: AmlProfile.model_construct(disease="AML", cytogenetic_risk="bogus"),
        "cytogenetic_risk",
    ),
    (
        "one for true",
        lambda: AmlProfile.model_construct(disease="AML", flt3_mutation=1),
        "flt3_mutation",
    ),
    (
        "other disease's class",
        lambda: AllProfile.model_construct(disease="AML"),
        "subtype",
    ),
]


@pytest.mark.parametrize(
    ("what", "make", "field"), CONSTRUCTED, ids=[item[0] for item in CONSTRUCTED]
)
def test_constructed_profiles_are_validated(
    rulebase: Rulebase, what: str, make: Callable[[], Any], field: str
) -> None:
    with pytest.raises(ValidationError):
        explain(make(), rulebase=rulebase)
    (result,) = explain_many([make()], rulebase=rulebase)
    assert not result.ok
    assert result.field == field, (what, result.error)


def test_a_valid_constructed_profile_is_explained(rulebase: Rulebase) -> None:
    constructed = AmlProfile.model_construct(
        disease="AML",
        cytogenetic_risk=CytogeneticRisk.INTERMEDIATE,
        transplant_status=TransplantStatus.INELIGIBLE,
    )
    assert explain(constructed, rulebase=rulebase) == explain(AML_NO_TRANSPLANT, rulebase=rulebase)


class _ExplodingMapping(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no")

    def __len__(self) -> int:
        return 1


def test_explain_many_never_raises_for_a_bad_item(rulebase: Rulebase) -> None:
    items: list[Any] = [make() for _, make, _ in CONSTRUCTED]
    items += [None, 3, "AML", object(), _ExplodingMapping(), {"disease": "AML"}]
    results = list(explain_many(items, rulebase=rulebase))
    assert [result.ok for result in results] == [False] * (len(items) - 1) + [True]
    assert all(result.error for result in results[:-1])


# Ownership of the memo: the reasoning layer, not the rulebase data object.


def test_rulebase_carries_no_memo() -> None:
    assert not hasattr(load_rulebase(), "explanations")
    source = Path(model_module.__file__).read_text(encoding="utf-8")
    assert "engine.reasoning" not in source, "the rulebase layer must not import reasoning"


def test_memo_goes_with_its_rulebase() -> None:
    fresh = load_rulebase()
    explain(AML_NO_TRANSPLANT, rulebase=fresh)
    assert fresh in EXPLANATION_CACHES
    count = len(EXPLANATION_CACHES)
    del fresh
    gc.collect()
    assert len(EXPLANATION_CACHES) == count - 1


def test_fork_while_another_thread_holds_the_memo_lock(rulebase: Rulebase) -> None:
    expected = explain(AML_NO_TRANSPLANT, rulebase=rulebase).model_dump_json()
    cache = explanation_cache(rulebase)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with cache._lock:
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
            pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            signal.alarm(20)
            try:
                same = explain(AML_NO_TRANSPLANT, rulebase=rulebase).model_dump_json() == expected
            finally:
                os._exit(0 if same else 1)
    finally:
        release.set()
        holder.join(30)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
