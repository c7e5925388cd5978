"""The library API: `from engine import explain`."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from pydantic import ValidationError

import engine
from engine import Explanation, Rulebase, Status, explain
from tests import strategies

ACCEPTANCE = {
    "disease": "AML",
    "cytogenetic_risk": "intermediate",
    "transplant_status": "ineligible",
}


def _option(explanation: Explanation, option_id: str) -> Any:
    return next(o for o in explanation.options if o.id == option_id)


def test_public_api_is_short_and_sorted() -> None:
    assert engine.__all__ == sorted(engine.__all__)
    assert {"explain", "load_rulebase", "Explanation", "PathwayError"} <= set(engine.__all__)


def test_acceptance_case_reads_as_the_issue_says() -> None:
    explanation = explain(ACCEPTANCE)
    azacitidine = _option(explanation, "aml-oral-azacitidine")
    assert azacitidine.status is Status.APPLIES
    assert any("unable to have a stem cell transplant" in c.quote for c in azacitidine.citations)
    assert azacitidine.treatments == ("oral azacitidine (Onureg)",)
    assert _option(explanation, "aml-supportive-care").status is Status.APPLIES
    assert _option(explanation, "aml-clinical-trials").status is Status.APPLIES
    sorafenib = _option(explanation, "aml-sorafenib")
    assert sorafenib.status is Status.DOES_NOT_APPLY
    transplant = next(r for r in sorafenib.reasons if r.field == "transplant_status")
    assert (transplant.actual, transplant.outcome.value, transplant.expected) == (
        "ineligible",
        "not_held",
        ("received",),
    )


def test_every_option_of_the_disease_is_listed_in_catalogue_order(rulebase: Rulebase) -> None:
    for disease in ("AML", "ALL"):
        explanation = explain({"disease": disease}, rulebase=rulebase)
        assert [o.id for o in explanation.options] == [o.id for o in rulebase.options[disease]]
    assert (
        len(explain({"disease": "ALL"}).options) == 11
        and len(explain({"disease": "AML"}).options) == 4
    )


def test_input_is_never_mutated_and_output_is_deterministic() -> None:
    raw = {"disease": "aml", "cytogenetic_risk": "Adverse", "flt3_mutation": "unknown"}
    before = copy.deepcopy(raw)
    first, second = explain(raw), explain(raw)
    assert raw == before
    assert first == second and first.model_dump_json() == second.model_dump_json()
    assert first.profile.cytogenetic_risk == "unfavourable" and first.profile.disease == "AML"


def test_a_validated_profile_is_accepted_as_is() -> None:
    profile = explain(ACCEPTANCE).profile
    assert explain(profile) == explain(ACCEPTANCE)


def test_bad_input_raises_validation_error_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="ph_status"):
        explain({"disease": "AML", "ph_status": "positive"})


def test_disclaimer_and_provenance(rulebase: Rulebase) -> None:
    explanation = explain(ACCEPTANCE, rulebase=rulebase)
    assert "does not replace a doctor" in explanation.disclaimer
    assert "does not replace your relationship with your doctor" in explanation.disclaimer
    provenance = explanation.provenance
    assert provenance.rulebase_version == rulebase.version and len(provenance.rulebase_sha256) == 64
    for source in provenance.sources:
        stored = rulebase.sources[source.document]
        assert source.sha256 == hashlib.sha256(stored.path.read_bytes()).hexdigest()
        assert source.title == stored.title


@settings(max_examples=200, deadline=None)
@given(raw=strategies.profile_mappings())
def test_every_valid_profile_is_explained_with_verbatim_citations(
    raw: dict[str, Any], rulebase: Rulebase
) -> None:
    explanation = explain(raw, rulebase=rulebase)
    needed = set()
    for option in explanation.options:
        assert option.citations, option.id
        for citation in option.citations:
            text = rulebase.sources[citation.document].text
            assert " ".join(text[citation.start : citation.end].split()) == " ".join(
                citation.quote.split()
            )
        needed.update(option.needs)
        for reason in option.reasons:
            assert reason.actual == _fact(explanation, reason.field)
    for note in explanation.notes:
        needed.update(note.needs)
        assert note.citations
    assert set(explanation.missing_information) == needed
    assert explanation.disclaimer


def _fact(explanation: Explanation, field: str) -> Any:
    value = getattr(explanation.profile, field)
    return (
        None
        if value == "unknown"
        else (value if value is None or isinstance(value, bool) else str(value))
    )


def test_missing_information_is_in_profile_field_order() -> None:
    assert explain({"disease": "AML"}).missing_information == (
        "cytogenetic_risk",
        "flt3_mutation",
        "transplant_status",
        "in_remission",
    )
