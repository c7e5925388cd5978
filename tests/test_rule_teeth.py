"""Tests with teeth: every rule has a YAML case (tests/cases/*.yaml) where it applies and one
where it does not, and every conditional note one where it is shown and one where it is hidden.
A rule or note that holds for every profile (`when: always`, no `unless`) cannot have a negative
case; each such item is listed below with the reason, and the list must match the rulebase.

"Applies" is judged by the engine for that rule alone (its `when` holds in every completion of
the case's profile and its `unless` does not block), and the case must expect its option as
`applies`; "does not apply" means the rule alone does not apply and the case states an expectation
for its option. For notes, the case must list the note in notes_shown / notes_hidden.
"""

from __future__ import annotations

import pytest

from engine import Rulebase
from engine.domain.conditions import fields_of
from engine.domain.profile_space import facts_of
from engine.domain.profiles import validate_profile
from engine.reasoning.evaluation import Verdict, Worlds, judge
from engine.rulebase.model import LoadedItem, LoadedNote
from schemas.explanation import Status
from tests.rule_cases import RuleCase, load_cases

_WORDS = {"applies": "apply", "does_not_apply": "do not apply"}

_NO_CONDITION = (
    "the page states it with no condition on the patient's situation, so it holds for every profile"
)
IMPOSSIBLE_NEGATIVE: dict[str, str] = {
    "aml-rule-supportive-care": f"'Supportive therapy is important during every phase of AML treatment': {_NO_CONDITION}",
    "aml-rule-clinical-trials": f"'Talk to your doctor about clinical trials open to people with AML in Canada': {_NO_CONDITION}",
    "aml-note-duration": f"maintenance follows consolidation and may be given for a long time: {_NO_CONDITION}",
    "aml-note-goal": f"the goal of maintenance: {_NO_CONDITION}",
    "all-rule-methotrexate": f"one of 'the most common drugs used in maintenance treatment': {_NO_CONDITION}",
    "all-rule-mercaptopurine": f"one of 'the most common drugs used in maintenance treatment': {_NO_CONDITION}",
    "all-rule-vincristine": f"'may be added ... monthly', for no stated group: {_NO_CONDITION}",
    "all-rule-corticosteroid": f"'may be added ... monthly', for no stated group: {_NO_CONDITION}",
    "all-rule-cns-intrathecal": f"CNS prophylaxis 'may continue during ... maintenance', for no stated group: {_NO_CONDITION}",
    "all-rule-cns-high-dose-methotrexate": f"CNS prophylaxis 'may continue during ... maintenance', for no stated group: {_NO_CONDITION}",
    "all-rule-cns-radiation": f"CNS prophylaxis 'may continue during ... maintenance', for no stated group: {_NO_CONDITION}",
    "all-rule-supportive-care": f"'Supportive therapy is important during every phase of treatment for ALL': {_NO_CONDITION}",
    "all-rule-clinical-trials": f"'Talk to your doctor about clinical trials open to people with ALL in Canada': {_NO_CONDITION}",
    "all-note-duration": f"maintenance is given to maintain remission, often for 2 to 3 years: {_NO_CONDITION}",
    "all-note-care-team": f"the healthcare team suggests treatments based on needs: {_NO_CONDITION}",
    "all-note-cns-prophylaxis": f"what CNS prophylaxis is for: {_NO_CONDITION}",
}


def _cases(rulebase: Rulebase) -> list[tuple[str, RuleCase]]:
    return [
        (f"{loaded.file} / {loaded.name}", loaded.case)
        for loaded in load_cases(rulebase)
        if loaded.case is not None
    ]


def _verdict(item: LoadedItem, case: RuleCase, rulebase: Rulebase) -> Verdict | None:
    """The engine's verdict on this one rule (or note) alone for the case's profile."""
    profile = validate_profile(case.profile)
    if profile.disease != item.disease:
        return None
    worlds = Worlds.of(rulebase, profile.disease, facts_of(profile))
    return judge(item if isinstance(item, LoadedNote) else [item], worlds)


def _status_alone(item: LoadedItem, case: RuleCase, rulebase: Rulebase) -> Status | None:
    verdict = _verdict(item, case, rulebase)
    return None if verdict is None else verdict.status


def _holds_everywhere(item: LoadedItem) -> bool:
    return not fields_of(item.when) and item.unless is None


def test_impossible_negatives_are_exactly_the_unconditional_items(rulebase: Rulebase) -> None:
    unconditional = {
        item.id for item in (*rulebase.rules, *rulebase.notes) if _holds_everywhere(item)
    }
    assert set(IMPOSSIBLE_NEGATIVE) == unconditional


@pytest.mark.parametrize("polarity", ["applies", "does_not_apply"])
def test_every_rule_has_a_case_for_each_outcome(rulebase: Rulebase, polarity: str) -> None:
    cases = _cases(rulebase)
    missing = []
    for rule in rulebase.rules:
        if polarity == "does_not_apply" and rule.id in IMPOSSIBLE_NEGATIVE:
            continue
        wanted = Status(polarity)
        found = any(
            _status_alone(rule, case, rulebase) is wanted
            and rule.concludes in case.expect
            and (wanted is not Status.APPLIES or case.expect[rule.concludes] is Status.APPLIES)
            for _, case in cases
        )
        if not found:
            missing.append(rule.id)
    assert not missing, f"rules with no YAML case where they {_WORDS[polarity]}: {missing}"


@pytest.mark.parametrize(
    ("polarity", "key"), [("applies", "notes_shown"), ("does_not_apply", "notes_hidden")]
)
def test_every_conditional_note_has_a_case_for_each_outcome(
    rulebase: Rulebase, polarity: str, key: str
) -> None:
    cases = _cases(rulebase)
    missing = [
        note.id
        for note in rulebase.notes
        if note.id not in IMPOSSIBLE_NEGATIVE
        and not any(
            note.id in getattr(case, key)
            and _status_alone(note, case, rulebase) is Status(polarity)
            for _, case in cases
        )
    ]
    assert not missing, f"notes with no YAML case listing them in {key}: {missing}"


def test_every_exception_has_a_case_where_it_blocks(rulebase: Rulebase) -> None:
    missing = []
    for rule in (r for r in rulebase.rules if r.unless is not None):
        blocking_cases = [
            name
            for name, case in _cases(rulebase)
            if (verdict := _verdict(rule, case, rulebase)) is not None
            and rule.id in verdict.blocked_rules
            and rule.concludes in case.expect
        ]
        if not blocking_cases:
            missing.append(rule.id)
    assert not missing, f"rules whose `unless` blocks in no YAML case: {missing}"
