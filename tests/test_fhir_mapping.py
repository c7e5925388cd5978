"""FHIR R4 records → profiles (engine.interop): each mapping rule, conflicts, both diseases, none,
invalid resources, and the terminology map with a site's own file.

The records under tests/fhir/ are written as EHRs write them: searchset Bundles with fullUrl and
search mode, several codings per concept, narrative text, categories, and resources the mapping
does not read (Patient, OperationOutcome, unrelated problems and labs).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine import explain
from engine.errors import InputError
from engine.interop import (
    FhirInputError,
    Terminology,
    TerminologyError,
    default_terminology_path,
    load_terminology,
    profile_from_fhir,
)
from engine.interop.memo import ContentMemo
from engine.rulebase.loader import load_rulebase
from schemas.fhir_reading import DiseaseReading, Evidence, FhirReading
from schemas.profile import PROFILE_MODELS

FHIR = Path(__file__).parent / "fhir"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def record(name: str) -> Any:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def read(name: str, terminology: Terminology | None = None) -> FhirReading:
    return profile_from_fhir(record(name), terminology)


def only(reading: FhirReading, disease: str) -> DiseaseReading:
    assert [profile.disease for profile in reading.profiles] == [disease]
    return reading.profiles[0]


def evidence_of(reading: DiseaseReading, field: str) -> list[Evidence]:
    return [item for item in reading.evidence if item.field == field]


def ignored(reading: FhirReading) -> dict[str, str]:
    return {item.resource: item.reason for item in reading.ignored}


def aml_condition(
    *, code: str, system: str = ICD10CM, clinical: str | None = None
) -> dict[str, Any]:
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "dx",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p"},
    }
    if clinical is not None:
        condition["clinicalStatus"] = {"coding": [{"system": CLINICAL, "code": clinical}]}
    return condition


# --- one record, every fact with its evidence -------------------------------------------------


def test_aml_in_remission_with_flt3_itd_after_a_transplant() -> None:
    reading = only(read("aml-remission-flt3-transplant.json"), "AML")
    assert reading.profile == {
        "disease": "AML",
        "cytogenetic_risk": "unknown",
        "flt3_mutation": True,
        "transplant_status": "received",
        "in_remission": True,
    }
    assert reading.unknown == ("cytogenetic_risk",)
    assert reading.conflicts == ()
    assert all(item.used and item.reason is None for item in reading.evidence)


def test_each_fact_names_its_resource_code_and_value() -> None:
    reading = only(read("aml-remission-flt3-transplant.json"), "AML")
    found = [(e.field, e.value, e.resource, e.system, e.code) for e in reading.evidence]
    assert found == [
        ("disease", "AML", "Condition/eAML-dx-1", ICD10CM, "C92.01"),
        ("in_remission", True, "Condition/eAML-dx-1", ICD10CM, "C92.01"),
        ("disease", "AML", "Condition/eAML-dx-1", SNOMED, "91861009"),
        ("in_remission", True, "Condition/eAML-dx-1", CLINICAL, "remission"),
        ("flt3_mutation", True, "Observation/eLAB-flt3-77", LOINC, "79210-1"),
        # performedDateTime is R4 (R5 renamed it occurrence[x]): the R4B model reads it.
        ("transplant_status", "received", "Procedure/eSCT-2026-01", SNOMED, "234336002"),
    ]
    (flt3,) = evidence_of(reading, "flt3_mutation")
    assert flt3.display is not None and flt3.display.endswith(": Present")


def test_resources_that_say_nothing_are_listed_with_the_reason() -> None:
    reasons = ignored(read("aml-remission-flt3-transplant.json"))
    assert set(reasons) == {"Patient/eAML-1001", "Observation/eLAB-bcrabl-q-12", "Bundle.entry[5]"}
    assert "Patient carries no profile facts" in reasons["Patient/eAML-1001"]
    assert "OperationOutcome" in reasons["Bundle.entry[5]"]
    assert "http://loinc.org|46434-7" in reasons["Observation/eLAB-bcrabl-q-12"]


def test_the_reading_explains_sorafenib_after_a_transplant() -> None:
    reading = only(read("aml-remission-flt3-transplant.json"), "AML")
    statuses = {option.id: option.status for option in explain(reading.profile).options}
    assert statuses["aml-sorafenib"] == "applies"


# --- ALL: subtype, Ph status, facts of the other disease ----------------------------------------


def test_all_b_cell_ph_positive_from_a_qualitative_bcr_abl1_result() -> None:
    reading = only(read("all-ph-positive-b-cell.json"), "ALL")
    assert reading.profile["subtype"] == "b_cell"
    assert reading.profile["ph_status"] == "positive"
    (ph,) = evidence_of(reading, "ph_status")
    assert (ph.resource, ph.code, ph.used) == ("Observation/bcr-abl-screen", "21821-4", True)
    PROFILE_MODELS["ALL"].model_validate(reading.profile)


def test_a_quantitative_bcr_abl1_ratio_never_sets_ph_status() -> None:
    data = record("all-ph-positive-b-cell.json")
    data["entry"] = [
        entry for entry in data["entry"] if entry["resource"]["id"] != "bcr-abl-screen"
    ]
    reading = profile_from_fhir(data)
    assert only(reading, "ALL").profile["ph_status"] == "unknown"
    assert "46434-7" in ignored(reading)["Observation/bcr-abl-ratio"]


def test_facts_that_are_not_fields_of_the_disease_are_evidence_not_used() -> None:
    reading = only(read("all-ph-positive-b-cell.json"), "ALL")
    (flt3,) = evidence_of(reading, "flt3_mutation")
    (transplant,) = evidence_of(reading, "transplant_status")
    assert (flt3.used, flt3.reason) == (False, "'flt3_mutation' is not a field of ALL profiles")
    assert (transplant.used, transplant.resource) == (False, "Condition/sct-status")
    assert "flt3_mutation" not in reading.profile and "transplant_status" not in reading.profile


def test_burkitt_type_is_mature_b_cell_and_remission_is_not_an_all_field() -> None:
    reading = only(read("burkitt-in-remission.json"), "ALL")
    assert reading.profile["subtype"] == "mature_b_cell"
    (remission,) = evidence_of(reading, "in_remission")
    assert (remission.code, remission.used) == ("remission", False)


# --- clinicalStatus ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clinical", "in_remission"),
    [
        ("remission", True),
        ("relapse", False),
        ("recurrence", False),
        ("resolved", None),
        ("inactive", None),
        ("active", None),
    ],
)
def test_clinical_status_sets_remission_and_never_removes_the_diagnosis(
    clinical: str, in_remission: bool | None
) -> None:
    condition = aml_condition(system=SNOMED, code="91861009", clinical=clinical)
    reading = only(profile_from_fhir([condition]), "AML")
    assert reading.profile["in_remission"] is in_remission


def test_a_clinical_status_contradicting_the_code_is_a_conflict() -> None:
    condition = aml_condition(code="C92.00", clinical="remission")
    reading = only(profile_from_fhir([condition]), "AML")
    assert reading.profile["in_remission"] is None
    (conflict,) = reading.conflicts
    assert (conflict.field, conflict.values, conflict.resources) == (
        "in_remission",
        ("false", "true"),
        ("Condition/dx",),
    )


# --- conflicts -------------------------------------------------------------------------------------


def test_resources_that_disagree_leave_the_fact_unknown_and_are_named() -> None:
    reading = only(read("aml-conflicts.json"), "AML")
    conflicts = {c.field: (c.values, c.resources) for c in reading.conflicts}
    assert conflicts == {
        "flt3_mutation": (
            ("true", "false"),
            ("Observation/flt3-blood", "Observation/flt3-marrow"),
        ),
        "in_remission": (("false", "true"), ("Condition/aml-2025", "Condition/aml-2026")),
    }
    assert reading.profile["flt3_mutation"] is None and reading.profile["in_remission"] is None
    assert {"flt3_mutation", "in_remission"} <= set(reading.unknown)
    for field in conflicts:
        assert all(
            not item.used and "disagrees" in (item.reason or "")
            for item in evidence_of(reading, field)
        )


# --- which diseases ------------------------------------------------------------------------------


def test_a_record_with_both_leukemias_yields_both_aml_first() -> None:
    reading = read("aml-and-all.json")
    aml, all_ = reading.profiles
    assert (aml.disease, all_.disease) == ("AML", "ALL")
    assert aml.profile["in_remission"] is False
    assert aml.profile["transplant_status"] == "received"
    # A fact of the patient is evidence in both readings; only AML has the field.
    assert [e.used for e in evidence_of(all_, "transplant_status")] == [False]
    assert [e.resource for e in evidence_of(all_, "disease")] == ["Condition/dx-all"]


def test_a_record_without_aml_or_all_yields_no_profile() -> None:
    reading = read("no-leukemia.json")
    assert reading.profiles == ()
    reasons = ignored(reading)
    assert "C92.10" in reasons["Condition/cml-dx"]
    # A transplant with no leukemia to belong to is reported, not silently dropped.
    assert "transplant_status=received" in reasons["Condition/sct"]


def test_an_empty_searchset_yields_nothing() -> None:
    assert profile_from_fhir({"resourceType": "Bundle", "type": "searchset", "total": 0}) == (
        FhirReading(profiles=(), ignored=())
    )


# --- statuses ------------------------------------------------------------------------------------


def test_refuted_conditions_and_unfinished_results_and_procedures_are_not_read() -> None:
    result = read("aml-status-filters.json")
    reading = only(result, "AML")
    # Only the corrected marrow result counts; the preliminary "present" does not.
    assert reading.profile["flt3_mutation"] is False
    # The refuted relapse and the planned transplant say nothing.
    assert reading.profile["in_remission"] is None
    assert reading.profile["transplant_status"] == "unknown"
    reasons = ignored(result)
    assert "refuted" in reasons["Condition/relapse-refuted"]
    assert "entered-in-error" in reasons["Condition/all-entered-in-error"]
    assert "preliminary" in reasons["Observation/flt3-preliminary"]
    assert "cancelled" in reasons["Observation/flt3-cancelled"]
    assert "preparation" in reasons["Procedure/hsct-planned"]
    assert "not-done" in reasons["Procedure/hsct-not-done"]
    assert "Observation/flt3-corrected" not in reasons


# --- invalid input -------------------------------------------------------------------------------


def test_invalid_resources_are_reported_in_the_reading_never_raised() -> None:
    result = read("invalid-resources.json")
    assert only(result, "AML").profile["in_remission"] is False
    reasons = ignored(result)
    assert reasons["Condition/no-subject"] == (
        "not a valid FHIR R4 Condition: subject: Field required"
    )
    assert "triggeredBy" in reasons["Observation/r5-style"]
    assert "performedDateTime" in reasons["Procedure/bad-date"]
    assert reasons["Bundle.entry[4]"] == "the entry has no resource"
    assert reasons["Bundle.entry[5]"] == "the entry has no resource"
    assert "without resourceType" in reasons["Bundle.entry[6]"]
    # Reasons name fields, never the record's values.
    assert not any("last spring" in reason for reason in reasons.values())
    assert list(reasons) == [
        "Condition/no-subject",
        "Observation/r5-style",
        "Procedure/bad-date",
        "Bundle.entry[4]",
        "Bundle.entry[5]",
        "Bundle.entry[6]",
    ]


@pytest.mark.parametrize(
    "data",
    ["Bundle", 42, None, {"entry": []}, {"resourceType": "Bundle", "entry": {"resource": {}}}],
)
def test_input_that_is_not_fhir_is_an_input_error(data: Any) -> None:
    with pytest.raises(FhirInputError) as caught:
        profile_from_fhir(data)
    assert isinstance(caught.value, InputError)
    assert caught.value.kind == "invalid-fhir-input"


def test_a_single_resource_and_a_list_are_read_like_a_bundle() -> None:
    condition = aml_condition(code="C92.01")
    assert profile_from_fhir(condition) == profile_from_fhir([condition])
    assert only(profile_from_fhir(condition), "AML").profile["in_remission"] is True


def test_resources_with_one_id_are_told_apart() -> None:
    first = aml_condition(code="C92.00")
    second = aml_condition(code="C92.01")
    (conflict,) = only(profile_from_fhir([first, second]), "AML").conflicts
    assert conflict.resources == ("Condition/dx", "Condition/dx (resources[1])")


@pytest.mark.parametrize("name", sorted(path.name for path in FHIR.glob("*.json")))
def test_every_reading_validates_with_the_profile_schema(name: str) -> None:
    for reading in read(name).profiles:
        profile = PROFILE_MODELS[reading.disease].model_validate(reading.profile)
        assert profile.model_dump(mode="json") == reading.profile
        assert set(reading.unknown) == {
            k for k, v in reading.profile.items() if v in (None, "unknown")
        }


def test_the_input_is_not_modified() -> None:
    data = record("aml-conflicts.json")
    before = copy.deepcopy(data)
    profile_from_fhir(data)
    assert data == before


# --- the terminology map -------------------------------------------------------------------------


def test_a_site_file_adds_local_codes_and_overrides_a_shipped_entry() -> None:
    shipped = read("aml-local-codes.json")
    site = read("aml-local-codes.json", load_terminology(FHIR / "site-terminology.yaml"))
    assert only(shipped, "AML").profile["cytogenetic_risk"] == "unknown"
    assert only(shipped, "AML").profile["flt3_mutation"] is False
    assert "ELN2022-RISK" in ignored(shipped)["Observation/eln-risk"]
    profile = only(site, "AML").profile
    assert profile["cytogenetic_risk"] == "unfavourable"
    assert profile["transplant_status"] == "ineligible"
    # The site's override drops the shipped "absent → false" for its marrow assay.
    assert profile["flt3_mutation"] is None
    assert "absent" in ignored(site)["Observation/flt3-marrow"]


ISSUE_ICD10CM = ("C92.00", "C92.01", "C92.02", "C91.00", "C91.01", "C91.02", "C91.A0", "C91.A1")
ISSUE_CODES = {(ICD10CM, code) for code in (*ISSUE_ICD10CM, "C91.A2", "Z94.84")} | {
    (SNOMED, code) for code in ("91861009", "91857003", "277571004")
}


def test_the_shipped_map_covers_the_codes_the_issue_lists() -> None:
    terminology = load_terminology()
    assert set(terminology.conditions) >= ISSUE_CODES
    assert (SNOMED, "234336002") in terminology.procedures
    assert {(LOINC, "79210-1"), (LOINC, "85100-6"), (LOINC, "21821-4")} <= set(
        terminology.observations
    )
    assert {
        (LOINC, "LA9633-4"),
        (LOINC, "LA9634-2"),
        (SNOMED, "10828004"),
        (SNOMED, "260385009"),
    } <= set(terminology.answers)
    # Quantitative BCR-ABL1 ratios are monitoring numbers, never a Ph status.
    assert not {(LOINC, "46434-7"), (LOINC, "82905-1")} & set(terminology.observations)


def test_every_shipped_code_names_where_it_was_verified() -> None:
    text = default_terminology_path().read_text(encoding="utf-8")
    defined = set(re.findall(r"^#\s+\[([A-Za-z0-9-]+)\]", text, flags=re.MULTILINE))
    terminology = load_terminology()
    entries = [
        *terminology.answers.values(),
        *terminology.conditions.values(),
        *terminology.observations.values(),
        *terminology.procedures.values(),
    ]
    for entry in entries:
        # Short names are hyphenated ([mCODE-VS]); bracketed LOINC words ([Presence]) are not.
        cited = set(re.findall(r"\[([A-Za-z0-9]+(?:-[A-Za-z0-9]+)+)\]", entry.source))
        assert cited <= defined, (entry.code, cited - defined)
        assert cited or "https://" in entry.source, entry.code


def test_the_rules_directory_still_loads_with_the_terminology_file() -> None:
    assert (default_terminology_path().parent / "rulebase.yaml").is_file()
    load_rulebase()


GOOD_ENTRY = """
  - system: urn:local
    code: X1
    meaning: Local code
    source: Local list
"""


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            "version: 1\nconditions:" + GOOD_ENTRY + "    sets: {flt3_mutaton: true}\n",
            "conditions[0].sets.flt3_mutaton",
            "did you mean 'flt3_mutation'",
        ),
        (
            "version: 1\nconditions:" + GOOD_ENTRY + "    sets: {transplant_status: maybe}\n",
            "conditions[0].sets.transplant_status",
            "'maybe' is not a value of 'transplant_status'",
        ),
        (
            "version: 1\nconditions:" + GOOD_ENTRY + "    sets: {flt3_mutation: 'true'}\n",
            "conditions[0].sets.flt3_mutation",
            "is not a value",
        ),
        (
            "version: 1\nconditions:"
            + GOOD_ENTRY
            + "    disease: ALL\n    sets: {in_remission: true}\n",
            "conditions[0].sets.in_remission",
            "not a field of ALL profiles",
        ),
        (
            "version: 1\nconditions:" + GOOD_ENTRY + "    sets: {disease: AML}\n",
            "conditions[0].sets.disease",
            "`disease` is not set through sets",
        ),
        (
            "version: 1\nconditions:" + GOOD_ENTRY,
            "conditions[0]",
            "must name a disease or set at least one field",
        ),
        (
            "version: 1\nprocedures:\n  - {system: urn:l, code: P, meaning: M, sets: {transplant_status: received}}\n",
            "procedures[0].source",
            "Field required",
        ),
        (
            "version: 1\nobservations:"
            + GOOD_ENTRY
            + "    field: ph_status\n    values: {positive: positive}\n",
            "observations[0].values.positive",
            "answer 'positive' is not defined",
        ),
        (
            "version: 1\nconditions:"
            + GOOD_ENTRY
            + "    disease: AML\n"
            + GOOD_ENTRY
            + "    disease: ALL\n",
            "conditions[1].code",
            "appears twice",
        ),
        (
            "version: 1\nconditions:" + GOOD_ENTRY + "    disease: AML\n    colour: blue\n",
            "conditions[0].colour",
            "unexpected field",
        ),
        ("version: 2\n", "version", "Input should be 1"),
        ("- version: 1\n", None, "must be a mapping"),
        ("version: 1\nversion: 1\n", None, "repeated"),
        ("version: [1\n", None, "not valid YAML"),
    ],
)
def test_a_bad_terminology_file_names_the_file_and_the_field(
    tmp_path: Path, text: str, field: str | None, message: str
) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TerminologyError) as caught:
        load_terminology(path)
    error = caught.value
    assert (error.path, error.field, error.kind) == (str(path), field, "invalid-terminology")
    assert message in str(error)
    assert str(error).startswith(f"{path}: ")


def test_a_missing_terminology_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(TerminologyError) as caught:
        load_terminology(missing)
    assert caught.value.path == str(missing)
    assert str(caught.value) == f"{missing}: file not found\nCheck the path."


def test_the_site_file_shown_in_the_docs_loads(tmp_path: Path) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "fhir-mapping.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", doc, flags=re.DOTALL)
    path = tmp_path / "site.yaml"
    path.write_text(example, encoding="utf-8")
    terminology = load_terminology(path)
    local = ("https://lab.hospital.example.org/fhir/CodeSystem/tests", "ELN2022-RISK")
    assert terminology.observations[local].field == "cytogenetic_risk"


def test_a_site_entry_replaces_the_shipped_one_with_the_same_code(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        "version: 1\nconditions:\n"
        f"  - system: {ICD10CM}\n    code: Z94.84\n    meaning: Site wording\n"
        "    source: Site list\n    sets: {transplant_status: received}\n",
        encoding="utf-8",
    )
    terminology = load_terminology(path)
    assert terminology.conditions[(ICD10CM, "Z94.84")].meaning == "Site wording"
    assert len(terminology.conditions) == len(load_terminology().conditions)
    assert terminology.files == (str(default_terminology_path()), str(path))


def test_a_condition_in_free_text_only_is_listed_not_guessed() -> None:
    condition = aml_condition(code="C92.01")
    condition["code"] = {"text": "AML in remission"}
    reading = profile_from_fhir([condition])
    assert reading.profiles == ()
    assert ignored(reading) == {
        "Condition/dx": "it has no coding to look up (only text, or no code)"
    }


# ------------------------------------------------------------------ the resource memo


def test_a_remembered_resource_reads_as_reading_it_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.interop import fhir

    for name in sorted(p.name for p in FHIR.glob("*.json")):
        remembered = [read(name), read(name)]
        monkeypatch.setattr(fhir, "_READINGS", ContentMemo(fhir.READINGS_REMEMBERED))
        assert remembered == [read(name)] * 2, name


def test_the_memo_reads_again_what_changed_and_tells_terminologies_apart() -> None:
    bundle = record("aml-remission-flt3-transplant.json")
    before = profile_from_fhir(bundle)
    changed = copy.deepcopy(bundle)
    for entry in changed["entry"]:
        if entry["resource"]["resourceType"] == "Observation":
            entry["resource"]["status"] = "preliminary"
    after = profile_from_fhir(changed)
    assert only(before, "AML").profile.get("flt3_mutation") is True
    assert only(after, "AML").profile["flt3_mutation"] is None
    assert profile_from_fhir(bundle) == before
    shipped = read("aml-local-codes.json")
    site = read("aml-local-codes.json", load_terminology(FHIR / "site-terminology.yaml"))
    assert shipped != site and read("aml-local-codes.json") == shipped


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.interop import fhir

    memo: ContentMemo[Any] = ContentMemo(5)
    monkeypatch.setattr(fhir, "_READINGS", memo)
    template = record("aml-remission-flt3-transplant.json")
    for number in range(12):
        bundle = copy.deepcopy(template)
        for entry in bundle["entry"]:
            entry["resource"]["id"] = f"{entry['resource'].get('id', 'x')}-{number}"
        profile_from_fhir(bundle)
    assert len(memo) == 5
