"""The rule-test case files (tests/cases/*.yaml): collected one test per case by the plugin in
tests/conftest.py. These tests check the checker: that every id is validated against the
rulebase, so a typo fails loudly, and that a failing case is reported as
`file / case name / what differed`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine import Rulebase
from tests.rule_cases import CASES_DIR, load_case_file, load_cases

PROJECT_ROOT = Path(__file__).resolve().parent.parent

GOOD_CASE = """- name: intermediate risk, unable to have a transplant
  profile: {disease: AML, cytogenetic_risk: intermediate, transplant_status: ineligible}
  expect: {aml-oral-azacitidine: applies, aml-sorafenib: does_not_apply}
  needs: {aml-sorafenib: []}
  notes_shown: [aml-note-duration]
  notes_hidden: [aml-note-scope]
  missing_information: []
"""


def test_every_bundled_case_is_valid(rulebase: Rulebase) -> None:
    cases = load_cases(rulebase)
    assert len(cases) >= 20
    assert [(c.file, c.name, c.problem) for c in cases if c.problem] == []


def test_a_valid_case_loads(tmp_path: Path, rulebase: Rulebase) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD_CASE, encoding="utf-8")
    (loaded,) = load_case_file(path, rulebase)
    assert loaded.problem is None and loaded.case is not None


@pytest.mark.parametrize(
    ("good", "typo", "expected"),
    [
        (
            "aml-oral-azacitidine: applies",
            "aml-oral-azacitidin: applies",
            "expect: 'aml-oral-azacitidin' is not one of the AML options; did you mean 'aml-oral-azacitidine'?",
        ),
        (
            "needs: {aml-sorafenib: []}",
            "needs: {aml-sorafenb: []}",
            "needs: 'aml-sorafenb' is not one of the AML options",
        ),
        (
            "needs: {aml-sorafenib: []}",
            "needs: {aml-sorafenib: [flt3]}",
            "needs: 'flt3' is not one of the AML fields; did you mean 'flt3_mutation'?",
        ),
        (
            "notes_shown: [aml-note-duration]",
            "notes_shown: [aml-note-duraton]",
            "notes_shown: 'aml-note-duraton' is not one of the AML notes",
        ),
        (
            "notes_hidden: [aml-note-scope]",
            "notes_hidden: [aml-note-scop]",
            "notes_hidden: 'aml-note-scop' is not one of the AML notes; did you mean 'aml-note-scope'?",
        ),
        (
            "notes_hidden: [aml-note-scope]",
            "notes_hidden: [all-note-duration]",
            "notes_hidden: 'all-note-duration' is not one of the AML notes",
        ),
        (
            "missing_information: []",
            "missing_information: [in_remision]",
            "missing_information: 'in_remision' is not one of the AML fields",
        ),
        ("cytogenetic_risk: intermediate", "cytogenetic_risc: intermediate", "profile:"),
        ("  notes_shown:", "  notes_show:", "notes_show: Extra inputs are not permitted"),
        (
            "expect: {aml-oral-azacitidine: applies",
            "expect: {aml-oral-azacitidine: aplies",
            "expect.aml-oral-azacitidine",
        ),
    ],
)
def test_a_misspelt_id_fails_loudly(
    tmp_path: Path, rulebase: Rulebase, good: str, typo: str, expected: str
) -> None:
    assert GOOD_CASE.count(good) == 1
    path = tmp_path / "typo.yaml"
    path.write_text(GOOD_CASE.replace(good, typo), encoding="utf-8")
    (loaded,) = load_case_file(path, rulebase)
    assert loaded.case is None
    assert loaded.problem is not None and expected in loaded.problem


def _run_pytest_on(case_file: Path) -> str:
    # The collector of tests/conftest.py, loaded as a plugin, on a case file outside tests/.
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(case_file.parent),
            str(case_file),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return completed.stdout + completed.stderr


def test_a_failing_case_reports_file_case_and_difference(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    path = cases / "wrong.yaml"
    wrong = GOOD_CASE.replace(
        "aml-oral-azacitidine: applies", "aml-oral-azacitidine: does_not_apply"
    )
    path.write_text(
        wrong
        + GOOD_CASE.replace(
            "notes_hidden: [aml-note-scope]", "notes_hidden: [aml-note-scop]"
        ).replace("name: intermediate", "name: typo, intermediate"),
        encoding="utf-8",
    )
    output = _run_pytest_on(path)
    assert (
        "wrong.yaml / intermediate risk, unable to have a transplant / aml-oral-azacitidine: "
        "expected does_not_apply, got applies"
    ) in output
    assert (
        "wrong.yaml / typo, intermediate risk, unable to have a transplant / invalid case: "
        "notes_hidden: 'aml-note-scop' is not one of the AML notes; did you mean 'aml-note-scope'?"
    ) in output
    assert "2 failed" in output


def test_the_bundled_case_files_are_collected() -> None:
    assert sorted(p.name for p in CASES_DIR.glob("*.yaml")) == [
        "all.yaml",
        "aml.yaml",
        "teeth-all.yaml",
        "teeth-aml.yaml",
    ]
