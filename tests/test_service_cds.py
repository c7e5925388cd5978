"""The CDS Hooks patient-view service, called over HTTP on the real `pathway serve` process."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine import explain, load_rulebase
from tests.serving import (
    ICD10CM,
    PROJECT_ROOT,
    SNOMED,
    Server,
    aml_flt3_after_transplant,
    condition,
    fhir_server,
    flt3_observation,
    hook_request,
    patient,
    searchset,
    serve,
)

SERVICE = "/cds-services/leukemia-maintenance-pathway"
SORAFENIB_SENTENCE = (
    "Sorafenib (Nexavar) is an FLT3 inhibitor that may be used as maintenance therapy for people "
    "who have received a stem cell transplant and are in remission from AML with the FLT3 mutation."
)
AML_PAGE = "https://cancer.ca/en/cancer-information/cancer-types/acute-myeloid-leukemia-aml/treatment/maintenance"
ALL_PAGE = "https://cancer.ca/en/cancer-information/cancer-types/acute-lymphoblastic-leukemia-all/treatment/maintenance"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp=tmp_path_factory.mktemp("cds")) as running:
        yield running


def call(server: Server, body: Any, path: str = SERVICE) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=30)


def cards_of(server: Server, prefetch: dict[str, Any]) -> list[dict[str, Any]]:
    response = call(server, hook_request(prefetch))
    assert response.status_code == 200, response.text
    cards: list[dict[str, Any]] = response.json()["cards"]
    return cards


def by_option(cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {card["extension"]["option"]: card for card in cards}


def test_discovery_names_the_patient_view_service_and_its_prefetch(server: Server) -> None:
    response = httpx.get(server.url + "/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert service["hook"] == "patient-view"
    assert service["id"] == "leukemia-maintenance-pathway"
    assert service["title"] and service["description"]
    assert service["prefetch"] == {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
        "observations": "Observation?patient={{context.patientId}}",
        "procedures": "Procedure?patient={{context.patientId}}",
    }


def test_aml_in_remission_flt3_after_transplant_gets_the_sorafenib_card(server: Server) -> None:
    cards = by_option(cards_of(server, aml_flt3_after_transplant()))
    sorafenib = cards["aml-sorafenib"]
    assert sorafenib["extension"]["status"] == "applies"
    assert SORAFENIB_SENTENCE in sorafenib["detail"]
    # Options that do not apply get no card.
    assert "aml-oral-azacitidine" not in cards
    assert set(cards) == {"aml-sorafenib", "aml-supportive-care", "aml-clinical-trials"}


def test_every_card_field(server: Server) -> None:
    rulebase = load_rulebase()
    document = rulebase.sources["aml-maintenance"]
    cards = cards_of(server, aml_flt3_after_transplant())
    assert len({card["uuid"] for card in cards}) == len(cards)
    for card in cards:
        assert set(card) == {
            "uuid",
            "summary",
            "detail",
            "indicator",
            "source",
            "links",
            "extension",
        }
        assert len(card["summary"]) < 140
        assert card["indicator"] == "info"
        assert card["source"] == {
            "label": "Canadian Cancer Society: Maintenance treatments for acute myeloid leukemia",
            "url": "https://cancer.ca",
        }
        assert card["links"] == [
            {
                "label": "Maintenance treatments for acute myeloid leukemia (Canadian Cancer Society)",
                "url": AML_PAGE,
                "type": "absolute",
            }
        ]
        extension = card["extension"]
        assert extension["disease"] == "AML"
        assert extension["source"] == "aml-maintenance"
        assert extension["source_sha256"] == document.sha256
        assert extension["rulebase_version"] == rulebase.version
        assert extension["rulebase_sha256"] == rulebase.sha256
        assert f"> **Important:** {rulebase.disclaimer}" in card["detail"]
    sorafenib = by_option(cards)["aml-sorafenib"]
    assert sorafenib["summary"] == (
        "Targeted therapy with sorafenib, an FLT3 inhibitor — described for this record"
    )
    assert sorafenib["extension"]["needs"] == []
    detail = sorafenib["detail"]
    # Each condition with the record's value and the resource it came from.
    assert re.search(
        r"FLT3 mutation: yes — this profile: yes — met\. From the record: Observation/o-flt3",
        detail,
    )
    assert "Procedure/pr-hsct" in detail and "234336002" in detail
    assert "Condition/c-aml" in detail and "C92.01" in detail
    # The page's notes that apply, quoted.
    assert "Maintenance follows consolidation." in detail
    assert "> \u201c" in detail


def test_missing_facts_say_what_each_value_would_change(server: Server) -> None:
    prefetch = {
        "conditions": searchset(condition("c-aml", ICD10CM, "C92.01", "AML, in remission")),
        "observations": searchset(),
        "procedures": searchset(),
    }
    cards = by_option(cards_of(server, prefetch))
    sorafenib = cards["aml-sorafenib"]
    assert sorafenib["extension"]["status"] == "needs_information"
    assert sorafenib["summary"].endswith("depends on facts not in the record")
    assert sorafenib["extension"]["needs"] == ["flt3_mutation", "transplant_status"]
    detail = sorafenib["detail"]
    assert (
        "**FLT3 mutation** (`flt3_mutation`): not in the record; if FLT3 mutation were known:"
        in detail
    )
    assert "Not in the record." in detail


def test_card_statuses_agree_with_the_library(server: Server) -> None:
    cards = by_option(cards_of(server, aml_flt3_after_transplant()))
    explanation = explain(
        {
            "disease": "AML",
            "in_remission": True,
            "flt3_mutation": True,
            "transplant_status": "received",
        }
    )
    expected = {
        o.id: o.status.value for o in explanation.options if o.status.value != "does_not_apply"
    }
    assert {option: card["extension"]["status"] for option, card in cards.items()} == expected


def test_all_record_gets_all_cards_with_the_all_page(server: Server) -> None:
    prefetch = {
        "conditions": searchset(
            condition("c-all", SNOMED, "91857003", "Acute lymphoblastic leukemia")
        ),
        "observations": searchset(),
        "procedures": searchset(),
    }
    cards = cards_of(server, prefetch)
    assert cards
    for card in cards:
        assert card["extension"]["disease"] == "ALL"
        assert card["links"][0]["url"] == ALL_PAGE
        assert card["extension"]["source"] == "all-maintenance"


def test_both_diseases_on_record_give_both_sets_of_cards(server: Server) -> None:
    prefetch = {
        "conditions": searchset(
            condition("c-aml", ICD10CM, "C92.00", "AML, not in remission"),
            condition("c-all", ICD10CM, "C91.00", "ALL, not in remission"),
        ),
        "observations": searchset(),
        "procedures": searchset(),
    }
    diseases = [card["extension"]["disease"] for card in cards_of(server, prefetch)]
    assert "AML" in diseases and "ALL" in diseases
    assert diseases == sorted(diseases, key=["AML", "ALL"].index)


def test_no_leukemia_on_record_gives_no_cards(server: Server) -> None:
    prefetch = {
        "patient": patient(),
        "conditions": searchset(condition("c-flu", SNOMED, "6142004", "Influenza")),
        "observations": searchset(),
        "procedures": searchset(),
    }
    response = call(server, hook_request(prefetch))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_conflicting_flt3_results_are_named_on_the_card(server: Server) -> None:
    prefetch = aml_flt3_after_transplant()
    prefetch["observations"] = searchset(
        flt3_observation("o-present", present=True), flt3_observation("o-absent", present=False)
    )
    cards = by_option(cards_of(server, prefetch))
    sorafenib = cards["aml-sorafenib"]
    assert sorafenib["extension"]["status"] == "needs_information"
    assert sorafenib["extension"]["needs"] == ["flt3_mutation"]
    assert "Records that disagree" in sorafenib["detail"]
    assert "Observation/o-present" in sorafenib["detail"]
    assert "Observation/o-absent" in sorafenib["detail"]


def test_unknown_service_is_404(server: Server) -> None:
    response = call(server, hook_request(aml_flt3_after_transplant()), "/cds-services/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["error"]


def test_no_prefetch_and_no_fhir_server_is_412(server: Server) -> None:
    response = call(server, hook_request(None))
    assert response.status_code == 412
    body = response.json()
    assert "fhirServer" in body["error"]
    assert body["fields"] == ["prefetch.conditions", "prefetch.observations", "prefetch.procedures"]


def test_a_null_prefetch_key_without_fhir_server_is_412(server: Server) -> None:
    prefetch = aml_flt3_after_transplant()
    prefetch["observations"] = None
    response = call(server, hook_request(prefetch))
    assert response.status_code == 412
    assert response.json()["fields"] == ["prefetch.observations"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.pop("hookInstance"), "hookInstance"),
        (lambda r: r.update(hook="order-select"), "hook"),
        (lambda r: r["context"].pop("patientId"), "context.patientId"),
        (lambda r: r["prefetch"].update(conditions=[1, 2]), "prefetch.conditions"),
        (
            lambda r: r["prefetch"].update(allergies={"resourceType": "Bundle"}),
            "prefetch.allergies",
        ),
        (lambda r: r["prefetch"]["conditions"].update(entry={"a": 1}), "prefetch.conditions.entry"),
        (
            lambda r: r["prefetch"]["conditions"].update(entry=[7]),
            "prefetch.conditions.entry.0.resource",
        ),
        (
            lambda r: r.update(fhirAuthorization={"access_token": "t", "token_type": "Bearer"}),
            "fhirServer",
        ),
    ],
)
def test_malformed_requests_are_400_naming_the_field(
    server: Server, change: Any, field: str
) -> None:
    request = hook_request(aml_flt3_after_transplant())
    change(request)
    response = call(server, request)
    assert response.status_code == 400, response.text
    assert field in response.json()["fields"]


def test_malformed_resources_are_reported_not_500(server: Server) -> None:
    prefetch = aml_flt3_after_transplant()
    prefetch["observations"] = searchset({"resourceType": "Observation", "id": "bad", "status": 12})
    response = call(server, hook_request(prefetch))
    assert response.status_code == 200, response.text


def test_not_prefetched_keys_are_fetched_from_the_fhir_server_with_the_token(
    server: Server,
) -> None:
    record = aml_flt3_after_transplant()
    bundles = {
        "Condition": record["conditions"],
        "Observation": record["observations"],
        "Procedure": record["procedures"],
    }
    with fhir_server(bundles, token="secret-token") as fhir:
        request = hook_request(
            {"conditions": record["conditions"]},
            fhirServer=fhir.url,
            fhirAuthorization={
                "access_token": "secret-token",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "user/Observation.read user/Procedure.read",
                "subject": "cds-service",
            },
        )
        cards = by_option(call(server, request).json()["cards"])
        assert cards["aml-sorafenib"]["extension"]["status"] == "applies"
        # Only what was not prefetched was fetched, each with the bearer token.
        assert sorted(fhir.requests) == [
            ("/fhir/Observation?patient=p1", "Bearer secret-token"),
            ("/fhir/Procedure?patient=p1", "Bearer secret-token"),
        ]


def test_a_failing_fhir_server_is_412_naming_the_url(server: Server) -> None:
    with fhir_server({}, token="right") as fhir:
        request = hook_request(
            None,
            fhirServer=fhir.url,
            fhirAuthorization={"access_token": "wrong", "token_type": "Bearer"},
        )
        response = call(server, request)
    assert response.status_code == 412
    assert "HTTP 401" in response.json()["error"]
    assert fhir.url in response.json()["error"]


def test_feedback_is_accepted_and_counted(server: Server) -> None:
    item = {"card": "some-uuid", "outcome": "accepted", "outcomeTimestamp": "2026-12-02T10:00:00Z"}
    first = call(server, {"feedback": [item]}, SERVICE + "/feedback")
    second = call(server, {"feedback": [item, item]}, SERVICE + "/feedback")
    assert first.status_code == second.status_code == 200
    assert second.json()["received"] == 2
    assert second.json()["total"] - first.json()["total"] == 2
    assert call(server, {"feedback": []}, SERVICE + "/feedback").status_code == 400
    assert call(server, {"feedback": [item]}, "/cds-services/nope/feedback").status_code == 404


def test_bodies_over_a_million_bytes_are_413(server: Server) -> None:
    request = hook_request(aml_flt3_after_transplant())
    request["padding"] = "x" * 1_000_001
    assert call(server, request).status_code == 413


SITE_MAP = """\
version: 1
answers:
  - system: http://hospital.example/fhir/CodeSystem/eln-risk
    code: INT
    meaning: ELN intermediate risk
    answer: intermediate
    source: Local code of this hospital's laboratory system; no standard code exists.
observations:
  - system: http://hospital.example/fhir/CodeSystem/lab
    code: ELN-RISK
    meaning: ELN cytogenetic risk group
    field: cytogenetic_risk
    values: {intermediate: intermediate}
    source: Local code of this hospital's laboratory system; no standard code exists.
"""


def eln_risk_prefetch() -> dict[str, Any]:
    observation = {
        "resourceType": "Observation",
        "id": "o-eln",
        "status": "final",
        "code": {
            "coding": [
                {"system": "http://hospital.example/fhir/CodeSystem/lab", "code": "ELN-RISK"}
            ]
        },
        "subject": {"reference": "Patient/p1"},
        "valueCodeableConcept": {
            "coding": [
                {"system": "http://hospital.example/fhir/CodeSystem/eln-risk", "code": "INT"}
            ]
        },
    }
    return {
        "conditions": searchset(condition("c-aml", ICD10CM, "C92.01", "AML, in remission")),
        "observations": searchset(observation),
        "procedures": searchset(),
    }


def test_a_site_terminology_map_adds_local_codes(server: Server, tmp_path: Path) -> None:
    site_map = tmp_path / "site-terminology.yaml"
    site_map.write_text(SITE_MAP, encoding="utf-8")
    without = by_option(cards_of(server, eln_risk_prefetch()))
    assert without["aml-oral-azacitidine"]["extension"]["needs"] == [
        "cytogenetic_risk",
        "transplant_status",
    ]
    with serve(["--terminology", str(site_map)], tmp=tmp_path) as site_server:
        cards = by_option(cards_of(site_server, eln_risk_prefetch()))
    azacitidine = cards["aml-oral-azacitidine"]
    assert azacitidine["extension"]["needs"] == ["transplant_status"]
    assert "Observation/o-eln" in azacitidine["detail"]


def test_an_invalid_terminology_map_is_exit_2_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nobservations:\n  - system: x\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "engine", "serve", "--terminology", str(broken)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert str(broken) in done.stderr and "Traceback" not in done.stderr


def test_burkitt_type_record_carries_the_page_caveat(server: Server) -> None:
    prefetch = {
        "conditions": searchset(
            condition("c-burkitt", ICD10CM, "C91.A0", "Mature B-cell leukemia Burkitt-type")
        ),
        "observations": searchset(),
        "procedures": searchset(),
    }
    cards = cards_of(server, prefetch)
    assert cards
    caveat = (
        "Some subtypes of ALL, such as T-cell ALL and Burkitt-type leukemia (mature B-cell ALL), "
        "may not need maintenance treatment."
    )
    for card in cards:
        assert card["extension"]["disease"] == "ALL"
        assert caveat in card["detail"]


def test_resources_not_used_are_named_on_the_card(server: Server) -> None:
    prefetch = aml_flt3_after_transplant()
    preliminary = {**flt3_observation("o-prelim", present=False), "status": "preliminary"}
    hemoglobin = {
        **flt3_observation("o-hb", present=True),
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
    }
    prefetch["observations"] = searchset(
        flt3_observation("o-flt3", present=True), preliminary, hemoglobin
    )
    detail = by_option(cards_of(server, prefetch))["aml-sorafenib"]["detail"]
    assert "**From the record, not used:**" in detail
    assert "Observation/o-prelim: not read" in detail
    # A resource with no code the map knows (a haemoglobin) bears on nothing and is not listed.
    assert "o-hb" not in detail


def test_a_fact_of_the_other_disease_is_shown_as_not_used(server: Server) -> None:
    prefetch = {
        "conditions": searchset(condition("c-all", ICD10CM, "C91.00", "ALL, not in remission")),
        "observations": searchset(flt3_observation("o-flt3", present=True)),
        "procedures": searchset(),
    }
    cards = cards_of(server, prefetch)
    assert cards
    for card in cards:
        assert card["extension"]["disease"] == "ALL"
        assert re.search(r"- Observation/o-flt3 \(.*79210-1.*\) → yes: not used — ", card["detail"])


def test_a_resource_about_another_patient_is_refused(server: Server) -> None:
    prefetch = aml_flt3_after_transplant()
    prefetch["observations"] = searchset(flt3_observation("o-other", present=True, patient="p2"))
    response = call(server, hook_request(prefetch))
    assert response.status_code == 400
    assert response.json()["fields"] == ["prefetch.observations.entry.0"]
    assert "Patient/p2" in response.json()["error"]
    # The same patient written as an absolute reference is accepted.
    prefetch["observations"] = searchset(flt3_observation("o-same", present=True))
    prefetch["observations"]["entry"][0]["resource"]["subject"]["reference"] = (
        "https://ehr.example/fhir/Patient/p1"
    )
    assert call(server, hook_request(prefetch)).status_code == 200
