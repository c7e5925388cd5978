"""A third disease needs no engine change: its own profile model, rule file and source text, all
in a temporary directory, and `explain`, `check`, `table` and `coverage` work on it.

The disease, its page and its treatments are fictional ("ZZL", "Drug Alpha"); they exist only to
prove that nothing in `engine/` names the bundled diseases.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from engine import Status, explain, load_rulebase
from engine.cli import main

PROFILE_MODULE = '''
from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field

from schemas.profile import DiseaseProfile, YesNoUnknown, normalise_disease


class Phase(StrEnum):
    EARLY = "early"
    LATE = "late"
    UNKNOWN = "unknown"


class ZzlProfile(DiseaseProfile):
    """A fictional disease for tests."""

    disease_name: ClassVar[str] = "zeta-zeta leukemia"
    disease: Annotated[Literal["ZZL"], BeforeValidator(normalise_disease)] = Field(title="Disease")
    phase: Phase = Field(default=Phase.UNKNOWN, title="Phase of the disease")
    responding: YesNoUnknown = Field(default=None, title="Responding to treatment")
'''

SOURCE_TEXT = """Maintenance for zeta-zeta leukemia

Drug Alpha is given in the early phase.
Drug Beta may be given to people who are not responding to treatment.
Maintenance lasts one year.
This page does not replace your doctor.
Copyright Test Publisher.
"""

MANIFEST = """version: 0.1.0
profiles: ["zzl_test_profile:ZzlProfile"]
sources: [zzl-page]
rule_files: [zzl.yaml]
disclaimer:
  text: A test page; it recommends nothing and does not replace a doctor.
  citation:
    document: zzl-page
    quote: This page does not replace your doctor.
"""

RULES = """disease: ZZL
document: zzl-page
options:
  - id: zzl-alpha
    category: chemotherapy
    title: Drug Alpha
    treatments: [Drug Alpha]
  - id: zzl-beta
    category: targeted_therapy
    title: Drug Beta
    treatments: [Drug Beta]
rules:
  - id: zzl-rule-alpha
    concludes: zzl-alpha
    title: Drug Alpha in the early phase
    when: {field: phase, is: early}
    citations:
      - quote: Drug Alpha is given in the early phase.
    reading: Drug Alpha is described for the early phase.
  - id: zzl-rule-beta
    concludes: zzl-beta
    title: Drug Beta when not responding
    when: {field: responding, is: false}
    citations:
      - quote: Drug Beta may be given to people who are not responding to treatment.
    reading: Drug Beta is described for people not responding to treatment.
notes:
  - id: zzl-note-duration
    text: Maintenance lasts one year.
    when: always
    citations:
      - quote: Maintenance lasts one year.
"""

WAIVERS = """waivers:
  - document: zzl-page
    kind: title
    reason: The page title names the topic and states nothing else.
    quotes: [Maintenance for zeta-zeta leukemia]
  - document: zzl-page
    kind: disclaimer
    reason: The disclaimer is quoted by the manifest, not by a rule.
    quotes: [This page does not replace your doctor.]
  - document: zzl-page
    kind: contact
    reason: The copyright line names the publisher only.
    quotes: [Copyright Test Publisher.]
"""


@pytest.fixture
def zzl_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rules directory for the fictional disease, with its profile model importable."""
    (tmp_path / "zzl_test_profile.py").write_text(PROFILE_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    rules = tmp_path / "rules"
    (rules / "sources").mkdir(parents=True)
    (rules / "sources" / "zzl-page.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    (rules / "sources" / "zzl-page.yaml").write_text(
        "id: zzl-page\ntext_file: zzl-page.txt\ntitle: Maintenance for zeta-zeta leukemia\n"
        "publisher: Test Publisher\ncopyright: Copyright Test Publisher.\n",
        encoding="utf-8",
    )
    (rules / "rulebase.yaml").write_text(MANIFEST, encoding="utf-8")
    (rules / "zzl.yaml").write_text(RULES, encoding="utf-8")
    (rules / "coverage-waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    return rules


def test_explain_reads_the_new_diseases_fields(zzl_rules: Path) -> None:
    rulebase = load_rulebase(zzl_rules)
    explanation = explain({"disease": "zzl", "phase": "early"}, rulebase=rulebase)
    statuses = {option.id: option.status for option in explanation.options}
    assert statuses == {"zzl-alpha": Status.APPLIES, "zzl-beta": Status.NEEDS_INFORMATION}
    assert explanation.missing_information == ("responding",)
    assert [note.id for note in explanation.notes] == ["zzl-note-duration"]


def test_explain_on_the_command_line(
    zzl_rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"disease": "ZZL", "responding": False}), encoding="utf-8")
    assert main(["--rules", str(zzl_rules), "explain", str(profile)]) == 0
    out = capsys.readouterr().out
    assert "zeta-zeta leukemia (ZZL)" in out
    assert "Drug Beta may be given to people who are not responding to treatment." in out


def test_a_field_of_another_disease_is_named_as_such(
    zzl_rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_rulebase(zzl_rules)
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"disease": "ZZL", "ph_status": "positive"}), encoding="utf-8")
    assert main(["--rules", str(zzl_rules), "explain", str(profile)]) == 2
    assert "'ph_status' is a field of ALL profiles, and this profile is ZZL" in (
        capsys.readouterr().err
    )


def test_check(zzl_rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rules", str(zzl_rules), "check"]) == 0
    assert "1 documents, 2 options, 2 rules, 1 notes" in capsys.readouterr().out


def test_table(zzl_rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rules", str(zzl_rules), "table", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "phase,responding,zzl-alpha,zzl-alpha needs,zzl-beta,zzl-beta needs,notes"
    # Each field known (each value) or unknown: 3 phases x 3 answers.
    assert len(lines) == 1 + 9
    # The note shown for every profile is listed once, above the table, not per row.
    assert "early,false,applies,,applies,," in lines


def test_coverage(zzl_rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rules", str(zzl_rules), "coverage"]) == 0
    out = capsys.readouterr().out
    assert "zzl-page" in out and "0 uncovered" in out


def test_schema_covers_the_rulebases_diseases(
    zzl_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--rules", str(zzl_rules), "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(schema["$defs"]) >= {"ZzlProfile", "Phase"}
    assert "AmlProfile" not in schema["$defs"]
    assert main(["schema"]) == 0
    assert set(json.loads(capsys.readouterr().out)["$defs"]) >= {"AmlProfile", "AllProfile"}


def test_a_rule_file_for_a_disease_without_a_model_is_refused(
    zzl_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_rulebase(zzl_rules)  # ZZL known to the process: still not this rulebase's disease
    manifest = zzl_rules / "rulebase.yaml"
    manifest.write_text(
        MANIFEST.replace('["zzl_test_profile:ZzlProfile"]', '["schemas.profile:AmlProfile"]'),
        encoding="utf-8",
    )
    assert main(["--rules", str(zzl_rules), "check"]) == 1
    assert "unknown-name: disease: no profile model for disease 'ZZL'" in capsys.readouterr().err


def test_an_unimportable_profile_model_is_refused(
    zzl_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = zzl_rules / "rulebase.yaml"
    manifest.write_text(MANIFEST.replace("ZzlProfile", "ZzlProfil"), encoding="utf-8")
    assert main(["--rules", str(zzl_rules), "check"]) == 1
    err = capsys.readouterr().err
    assert "unknown-profile-model: profiles: profile model 'zzl_test_profile:ZzlProfil'" in err
    assert "Traceback" not in err and sys.modules.get("zzl_test_profile") is not None
