"""`pathway check`: each kind of problem, fed as a deliberately broken copy of rules/, is reported
with the rule id and the file, and makes the command exit 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Rulebase, load_rulebase
from engine.cli import main
from engine.review.verification import verify
from tests.conftest import record_text_hash

EditFile = Callable[[Path, str, str], None]


def test_shipped_rulebase_has_no_findings(rulebase: Rulebase) -> None:
    assert verify(rulebase) == ()


def test_check_on_the_shipped_rules_keeps_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "is sound: 2 documents, 15 options, 15 rules" in out


def _check(capsys: pytest.CaptureFixture[str], rules: Path) -> str:
    code = main(["--rules", str(rules), "check"])
    err = capsys.readouterr().err
    assert code == 1, err
    return err


_SORAFENIB_LAST_CONDITION = "        - field: in_remission\n          is: true\n"
_SECOND_LINE_WHEN_END = "        - use: imatinib-not-working\n    citations:"
_IMATINIB_UNLESS = "    unless: {use: imatinib-not-working}\n"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        pytest.param(
            "aml.yaml",
            "        - field: flt3_mutation\n",
            "        - field: flt3_mutated\n",
            "aml.yaml: rule aml-rule-sorafenib-after-transplant: unknown-field: when.field: "
            "condition uses unknown field 'flt3_mutated'",
            id="unknown-field",
        ),
        pytest.param(
            "aml.yaml",
            "          is: ineligible\n",
            "          is: not_eligible\n",
            "aml.yaml: rule aml-rule-chemotherapy-without-transplant: unknown-value: "
            "when.transplant_status: 'transplant_status' has no value 'not_eligible'",
            id="unknown-value",
        ),
        pytest.param(
            "sources/aml-maintenance.txt",
            "Maintenance follows consolidation.",
            "Maintenance comes after consolidation.",
            "aml.yaml: rule aml-note-duration: drifted-citation: citations.quote: quote is not "
            "verbatim in aml-maintenance: 'Maintenance follows consolidation.'",
            id="drifted-citation",
        ),
        pytest.param(
            "all.yaml",
            "  - id: all-rule-mercaptopurine\n",
            "  - id: all-rule-methotrexate\n",
            "all.yaml: rule all-rule-methotrexate: duplicate-id: id: id is used twice",
            id="duplicate-id",
        ),
        pytest.param(
            "aml.yaml",
            _SORAFENIB_LAST_CONDITION,
            _SORAFENIB_LAST_CONDITION + "        - field: flt3_mutation\n          is: false\n",
            "rules/aml.yaml: rule aml-rule-sorafenib-after-transplant: unsatisfiable: `when` holds "
            "for no AML profile, so the rule never concludes 'aml-sorafenib'",
            id="unsatisfiable-rule",
        ),
        pytest.param(
            "all.yaml",
            "    when:\n      field: intensive_earlier_treatment\n      is: true\n",
            "    when:\n      all:\n        - field: intensive_earlier_treatment\n          is: true\n"
            "        - field: intensive_earlier_treatment\n          is: false\n",
            "rules/all.yaml: rule all-note-shorter-after-intense-treatment: unsatisfiable: note's "
            "`when` holds for no ALL profile",
            id="unsatisfiable-note",
        ),
        pytest.param(
            "all.yaml",
            _SECOND_LINE_WHEN_END,
            _SECOND_LINE_WHEN_END.replace(
                "    citations:",
                "    unless:\n      field: ph_status\n      is: negative\n    citations:",
            ),
            "rules/all.yaml: rule all-rule-second-line-tki: unless-never-holds: `unless` holds for "
            "no profile in which `when` holds",
            id="unless-never-holds",
        ),
        pytest.param(
            "all.yaml",
            _IMATINIB_UNLESS,
            "    unless:\n      field: ph_status\n      is: positive\n",
            "rules/all.yaml: rule all-rule-imatinib-for-ph-positive: dead-rule: `unless` holds for "
            "every profile in which `when` holds, so the rule never concludes 'all-imatinib'",
            id="dead-rule",
        ),
        pytest.param(
            "all.yaml",
            "  - id: all-rule-second-line-tki\n",
            "  - id: all-rule-imatinib-for-b-cell\n"
            "    concludes: all-imatinib\n"
            "    title: A deliberately conflicting rule\n"
            "    when:\n      field: subtype\n      is: b_cell\n"
            "    citations:\n      - document: all-maintenance\n"
            "        quote: The most common targeted therapy used to treat Ph+ ALL is imatinib (Gleevec).\n"
            "    reading: Broken on purpose.\n\n"
            "  - id: all-rule-second-line-tki\n",
            "rules/all.yaml: rule all-rule-imatinib-for-ph-positive: contradiction: its exception "
            "excludes 'all-imatinib' for a profile that rule 'all-rule-imatinib-for-b-cell' "
            "concludes it for (ALL subtype: B-cell, Philadelphia chromosome (Ph) status: positive, "
            "Response to imatinib: not effective",
            id="contradiction",
        ),
        pytest.param(
            "all.yaml",
            "  - id: all-clinical-trials\n",
            "  - id: all-extra-option\n    category: chemotherapy\n    title: An option no rule concludes\n"
            "  - id: all-clinical-trials\n",
            "rules/all.yaml: rule all-extra-option: option-never-concluded: no rule concludes this "
            "catalogue option",
            id="option-never-concluded",
        ),
    ],
)
def test_broken_rulebase_is_reported(
    capsys: pytest.CaptureFixture[str],
    rules_copy: Path,
    edit_file: EditFile,
    file: str,
    old: str,
    new: str,
    expected: str,
) -> None:
    edit_file(rules_copy / file, old, new)
    if file.endswith(".txt"):
        record_text_hash(rules_copy / file)
    err = _check(capsys, rules_copy)
    assert expected in err
    assert "Traceback" not in err


def test_a_dead_rule_also_leaves_its_option_never_concluded(
    rules_copy: Path, edit_file: EditFile
) -> None:
    edit_file(
        rules_copy / "all.yaml",
        _IMATINIB_UNLESS,
        "    unless:\n      field: ph_status\n      is: positive\n",
    )
    findings = verify(load_rulebase(rules_copy))
    assert [(f.kind, f.rule_id) for f in findings] == [
        ("dead-rule", "all-rule-imatinib-for-ph-positive"),
        ("option-never-concluded", "all-imatinib"),
    ]
    assert all(f.path == "rules/all.yaml" for f in findings)
