"""The profile: a discriminated union on disease, aliases normalised, anything else rejected."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.reasoning.explainer import validate_profile
from schemas.profile import AllProfile, AmlProfile


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ({"disease": "AML", "cytogenetic_risk": "favorable"}, "cytogenetic_risk", "favourable"),
        ({"disease": "AML", "cytogenetic_risk": "Unfavorable"}, "cytogenetic_risk", "unfavourable"),
        ({"disease": "AML", "cytogenetic_risk": "ADVERSE"}, "cytogenetic_risk", "unfavourable"),
        (
            {"disease": "AML", "cytogenetic_risk": " Intermediate "},
            "cytogenetic_risk",
            "intermediate",
        ),
        ({"disease": "ALL", "subtype": "burkitt"}, "subtype", "mature_b_cell"),
        ({"disease": "ALL", "subtype": "T-cell"}, "subtype", "t_cell"),
        (
            {"disease": "ALL", "imatinib_response": "not effective"},
            "imatinib_response",
            "not_effective",
        ),
        ({"disease": "aml", "flt3_mutation": "unknown"}, "flt3_mutation", None),
        ({"disease": "AML", "transplant_status": None}, "transplant_status", "unknown"),
    ],
)
def test_accepted_spellings_normalise(raw: dict[str, Any], field: str, expected: object) -> None:
    profile = validate_profile(raw)
    value = getattr(profile, field)
    assert (value if value is None else str(value)) == expected


def test_defaults_are_unknown() -> None:
    aml = validate_profile({"disease": "AML"})
    assert isinstance(aml, AmlProfile)
    assert (aml.cytogenetic_risk, aml.flt3_mutation, aml.transplant_status, aml.in_remission) == (
        "unknown",
        None,
        "unknown",
        None,
    )
    all_ = validate_profile({"disease": "ALL"})
    assert isinstance(all_, AllProfile)
    assert all_.ph_status == "unknown" and all_.intensive_earlier_treatment is None


def _error_locations(raw: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        validate_profile(raw)  # type: ignore[arg-type]
    return [
        (error["type"], ".".join(str(p) for p in error["loc"])) for error in caught.value.errors()
    ]


@pytest.mark.parametrize(
    ("raw", "error_type", "field"),
    [
        ({"disease": "AML", "ph_status": "positive"}, "extra_forbidden", "AML.ph_status"),
        ({"disease": "ALL", "flt3_mutation": True}, "extra_forbidden", "ALL.flt3_mutation"),
        ({"disease": "AML", "age": 64}, "extra_forbidden", "AML.age"),
        ({"disease": "AML", "cytogenetic_risk": "high"}, "enum", "AML.cytogenetic_risk"),
        ({"disease": "AML", "flt3_mutation": "yes"}, "bool_type", "AML.flt3_mutation"),
        ({"disease": "AML", "flt3_mutation": 1}, "bool_type", "AML.flt3_mutation"),
        ({"disease": "ALL", "subtype": "b"}, "enum", "ALL.subtype"),
        ({"disease": "ALL", "cns_involvement": "no"}, "bool_type", "ALL.cns_involvement"),
    ],
)
def test_invalid_profiles_name_the_field(raw: dict[str, Any], error_type: str, field: str) -> None:
    assert (error_type, field) in _error_locations(raw)


@pytest.mark.parametrize(
    "raw", [{}, {"disease": "CLL"}, {"disease": 3}, {"cytogenetic_risk": "intermediate"}]
)
def test_missing_or_unknown_disease_names_disease(raw: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_profile(raw)
    assert "'disease'" in str(caught.value)


@pytest.mark.parametrize("raw", [None, [], "AML", 3])
def test_non_mapping_is_a_validation_error(raw: object) -> None:
    assert _error_locations(raw) == [("dict_type", "")]


def test_profiles_are_frozen() -> None:
    profile = validate_profile({"disease": "AML"})
    with pytest.raises(ValidationError):
        profile.cytogenetic_risk = "favourable"  # type: ignore[misc,assignment]
