"""The teaching-case library (examples/cases/): every file loads, each case's `teaches` (written by
hand from the source text) agrees with `explain`, and together the cases cover every status each
option and note can take, every fact an option or note can wait for, and every note."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import InputError, Rulebase, explain
from engine.domain.profile_space import every_profile
from engine.teaching.cases import (
    LoadedCase,
    bundled_cases,
    case_paths,
    default_cases_dir,
    find_case,
    read_case,
    teaching_differences,
)
from schemas.explanation import Explanation

CASES = bundled_cases()
CASE_PARAMS = [pytest.param(loaded, id=loaded.id) for loaded in CASES]

# The situations the issue asks the library to include, and the case that shows each.
REQUIRED_SITUATIONS = {
    "intermediate-risk AML unable to have a transplant": "aml-intermediate-no-transplant",
    "FLT3-mutated AML after transplant in remission": "aml-flt3-after-transplant",
    "the same patient relapsed": "aml-flt3-relapsed",
    "favourable-risk AML": "aml-favourable-risk",
    "AML with the transplant decision still open": "aml-transplant-decision-open",
    "Ph+ ALL on imatinib": "all-ph-positive-imatinib",
    "Ph+ ALL where imatinib stopped working": "all-imatinib-not-working",
    "Ph- B-cell ALL": "all-ph-negative-b-cell",
    "T-cell ALL": "all-t-cell",
    "Burkitt-type ALL": "all-burkitt-type",
    "ALL after intensive earlier treatment": "all-intensive-earlier-treatment",
    "a profile with most facts unknown": "aml-little-known",
}

VALID_CASE = """\
id: {id}
title: A test case
vignette: Alex is 50. This story is only for the test.
profile:
  disease: AML
  cytogenetic_risk: intermediate
  transplant_status: ineligible
learning_points:
  - The page describes maintenance chemotherapy here.
  - Sorafenib does not apply.
teaches:
  options:
    aml-oral-azacitidine: applies
    aml-sorafenib: does_not_apply
    aml-supportive-care: applies
    aml-clinical-trials: applies
"""


def _status_map(loaded: LoadedCase, rulebase: Rulebase) -> tuple[dict[str, str], dict[str, str]]:
    explanation = explain(loaded.case.profile, rulebase=rulebase)
    options = {option.id: option.status.value for option in explanation.options}
    notes = {note.id: note.status.value for note in explanation.notes}
    return options, notes


def test_library_has_the_required_cases() -> None:
    ids = {loaded.id for loaded in CASES}
    assert len(CASES) >= 14
    missing = {name: case for name, case in REQUIRED_SITUATIONS.items() if case not in ids}
    assert not missing
    assert {loaded.case.profile.disease for loaded in CASES} == {"AML", "ALL"}


@pytest.mark.parametrize("loaded", CASE_PARAMS)
def test_case_teaches_what_explain_computes(loaded: LoadedCase, rulebase: Rulebase) -> None:
    options, notes = _status_map(loaded, rulebase)
    taught = {key: value.value for key, value in loaded.case.teaches.options.items()}
    # Every option of the disease is taught, with exactly the status the documents give.
    assert taught == options
    for note_id, expected in loaded.case.teaches.notes.items():
        assert notes.get(note_id, "not_shown") == expected, note_id
    noted = {note.id for note in rulebase.notes_of(loaded.case.profile.disease)}
    assert set(loaded.case.teaches.notes) <= noted
    if loaded.case.teaches.missing_information is not None:
        explanation = explain(loaded.case.profile, rulebase=rulebase)
        assert explanation.missing_information == loaded.case.teaches.missing_information
    assert (
        teaching_differences(loaded.case, explain(loaded.case.profile, rulebase=rulebase), rulebase)
        == []
    )


@pytest.mark.parametrize("loaded", CASE_PARAMS)
def test_case_text_reports_and_never_advises(loaded: LoadedCase) -> None:
    case = loaded.case
    texts = [case.title, case.vignette, *case.learning_points]
    assert 2 <= len(case.learning_points) <= 4
    for text in texts:
        assert not re.search(r"\bshould\b|\bought to\b|\bwe recommend", text, re.IGNORECASE), text


def _reachable(rulebase: Rulebase) -> set[tuple[str, str]]:
    """(item, status) and (item, "needs:" field) pairs over every profile, unknowns included."""
    reachable: set[tuple[str, str]] = set()
    for disease in ("AML", "ALL"):
        notes = [note.id for note in rulebase.notes_of(disease)]
        for profile in every_profile(disease):
            reachable |= _situations(explain(profile, rulebase=rulebase), notes)
    return reachable


def _situations(explanation: Explanation, notes: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    shown = {note.id: note for note in explanation.notes}
    for item in [*explanation.options, *explanation.notes]:
        found.add((item.id, item.status.value))
        found |= {(item.id, f"needs:{field}") for field in item.needs}
    found |= {(note_id, "not_shown") for note_id in notes if note_id not in shown}
    return found


def test_library_covers_every_status_every_needed_fact_and_every_note(rulebase: Rulebase) -> None:
    covered: set[tuple[str, str]] = set()
    for loaded in CASES:
        notes = [note.id for note in rulebase.notes_of(loaded.case.profile.disease)]
        covered |= _situations(explain(loaded.case.profile, rulebase=rulebase), notes)
    reachable = _reachable(rulebase)
    assert reachable - covered == set()
    # Every option and every note appears at least once as applying.
    items = [o.id for options in rulebase.options.values() for o in options]
    items += [note.id for note in rulebase.notes]
    assert {item for item in items if (item, "applies") not in covered} == set()
    # Written by hand from the pages: the conditional options and notes, in each situation.
    by_hand = {
        ("aml-oral-azacitidine", status)
        for status in (
            "applies",
            "does_not_apply",
            "needs:cytogenetic_risk",
            "needs:transplant_status",
        )
    }
    by_hand |= {
        ("aml-sorafenib", status)
        for status in (
            "applies",
            "does_not_apply",
            "needs:flt3_mutation",
            "needs:transplant_status",
            "needs:in_remission",
        )
    }
    by_hand |= {("all-imatinib", s) for s in ("applies", "does_not_apply", "needs:ph_status")}
    by_hand |= {
        ("all-second-line-tki", s)
        for s in ("applies", "does_not_apply", "needs:ph_status", "needs:imatinib_response")
    }
    by_hand |= {
        ("aml-note-scope", "applies"),
        ("aml-note-scope", "needs:cytogenetic_risk"),
        ("all-note-shorter-after-intense-treatment", "applies"),
        ("all-note-shorter-after-intense-treatment", "needs:intensive_earlier_treatment"),
        ("all-note-subtype-may-not-need-maintenance", "applies"),
        ("all-note-subtype-may-not-need-maintenance", "needs:subtype"),
        ("aml-note-duration", "applies"),
        ("all-note-duration", "applies"),
    }
    assert by_hand - covered == set()
    assert by_hand <= reachable


def test_teaching_differences_name_the_wrong_claim(rulebase: Rulebase, tmp_path: Path) -> None:
    path = tmp_path / "wrong.yaml"
    text = VALID_CASE.format(id="wrong").replace(
        "aml-sorafenib: does_not_apply", "aml-sorafenib: applies"
    )
    text += "  notes:\n    aml-note-scope: applies\n    aml-note-scop: applies\n"
    text += "  missing_information: [flt3_mutation]\n"
    path.write_text(text, encoding="utf-8")
    case = read_case(path).case
    differences = teaching_differences(case, explain(case.profile, rulebase=rulebase), rulebase)
    assert differences == [
        "teaches.options.aml-sorafenib: the case teaches 'applies', but the documents give "
        "'does_not_apply'",
        "teaches.notes.aml-note-scope: the case teaches 'applies', but the documents give "
        "'not_shown'",
        "teaches.notes.aml-note-scop: not one of the AML notes; did you mean 'aml-note-scope'?",
        "teaches.missing_information: the case teaches ['flt3_mutation'], but the documents "
        "give []",
    ]


def test_teaching_differences_require_every_option(rulebase: Rulebase, tmp_path: Path) -> None:
    path = tmp_path / "short.yaml"
    path.write_text(
        VALID_CASE.format(id="short").replace("    aml-clinical-trials: applies\n", ""),
        encoding="utf-8",
    )
    case = read_case(path).case
    assert teaching_differences(case, explain(case.profile, rulebase=rulebase), rulebase) == [
        "teaches.options.aml-clinical-trials: missing (the documents give 'applies')"
    ]


BROKEN = [
    pytest.param(
        lambda t: t.replace("  transplant_status: ineligible\n", "  age: 74\n"),
        "profile.age",
        "the documents never use this fact",
        id="age-in-profile",
    ),
    pytest.param(
        lambda t: t.replace("cytogenetic_risk: intermediate", "cytogenetic_risk: middling"),
        "profile.cytogenetic_risk",
        "'middling'",
        id="bad-profile-value",
    ),
    pytest.param(
        lambda t: t.replace("learning_points:", "learning_point:"),
        "learning_point",
        "did you mean 'learning_points'?",
        id="misspelt-field",
    ),
    pytest.param(
        lambda t: t.replace("  - Sorafenib does not apply.\n", ""),
        "learning_points",
        "at least 2 items",
        id="one-learning-point",
    ),
    pytest.param(
        lambda t: t.replace("aml-sorafenib: does_not_apply", "aml-sorafenib: maybe"),
        "teaches.options.aml-sorafenib",
        "'maybe'",
        id="bad-status",
    ),
    pytest.param(
        lambda t: t.replace("id: {id}", "id: another-name"),
        "id",
        "does not match the file name",
        id="id-not-file-name",
    ),
    pytest.param(
        lambda t: t.replace("title: A test case", "title: [unclosed"),
        None,
        "not valid YAML: line",
        id="broken-yaml",
    ),
]


@pytest.mark.parametrize(("edit", "field", "message"), BROKEN)
def test_broken_case_file_names_file_and_field(
    tmp_path: Path, edit: Callable[[str], str], field: str | None, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(edit(VALID_CASE).replace("{id}", "broken"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_case(path)
    assert caught.value.path == str(path)
    assert caught.value.field == field
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_find_case_by_id_and_by_path() -> None:
    by_id = find_case("aml-favourable-risk")
    assert by_id.path == default_cases_dir() / "aml-favourable-risk.yaml"
    assert find_case(str(by_id.path)).case == by_id.case
    with pytest.raises(InputError) as caught:
        find_case("aml-favorable-risk")
    assert "Did you mean 'aml-favourable-risk'?" in str(caught.value)
    assert len(case_paths()) == len(CASES)
