"""The input JSON Schema agrees with validation both ways; the canonical schema describes outputs."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import ValidationError

from engine import explain
from engine.cli import main
from engine.inputs.profile_schema import (
    CANONICAL_SCHEMA_ID,
    INPUT_SCHEMA_ID,
    JSON_SCHEMA_DIALECT,
    profile_json_schema,
)
from engine.reasoning.explainer import validate_profile

INPUT = profile_json_schema("input")
CANONICAL = profile_json_schema("canonical")
INPUT_VALIDATOR = jsonschema.Draft202012Validator(INPUT)
CANONICAL_VALIDATOR = jsonschema.Draft202012Validator(CANONICAL)


def _python_accepts(profile: Any) -> bool:
    try:
        validate_profile(profile)
    except ValidationError:
        return False
    return True


# (profile, accepted by validation): the spellings the field descriptions document, and near misses.
CORPUS: list[tuple[Any, bool]] = [
    ({"disease": "AML"}, True),
    ({"disease": "aml"}, True),
    ({"disease": " All "}, True),
    ({"disease": "AMLL"}, False),
    ({"disease": "A ML"}, False),
    ({"disease": None}, False),
    ({}, False),
    ("AML", False),
    ([{"disease": "AML"}], False),
    ({"disease": "AML", "cytogenetic_risk": "adverse"}, True),
    ({"disease": "AML", "cytogenetic_risk": "favorable"}, True),
    ({"disease": "AML", "cytogenetic_risk": "Unfavorable"}, True),
    ({"disease": "AML", "cytogenetic_risk": None}, True),
    ({"disease": "AML", "cytogenetic_risk": "high"}, False),
    ({"disease": "AML", "cytogenetic_risk": 1}, False),
    ({"disease": "AML", "flt3_mutation": "unknown"}, True),
    ({"disease": "AML", "flt3_mutation": " UNKNOWN "}, True),
    # str.lower() turns the Kelvin sign into "k"; the schema knows.
    ({"disease": "AML", "flt3_mutation": "UN\u212aNOWN"}, True),
    ({"disease": "AML", "flt3_mutation": None}, True),
    ({"disease": "AML", "flt3_mutation": True}, True),
    ({"disease": "AML", "flt3_mutation": "true"}, False),
    ({"disease": "AML", "flt3_mutation": "yes"}, False),
    ({"disease": "AML", "flt3_mutation": 1}, False),
    ({"disease": "AML", "transplant_status": "Received"}, True),
    ({"disease": "AML", "transplant_status": "transplanted"}, False),
    ({"disease": "AML", "in_remission": "not known"}, False),
    ({"disease": "AML", "subtype": "b_cell"}, False),
    ({"disease": "AML", "cytogenetic-risk": "adverse"}, False),
    ({"disease": "ALL", "subtype": "burkitt"}, True),
    ({"disease": "ALL", "subtype": "b-cell"}, True),
    ({"disease": "ALL", "subtype": "B Cell"}, True),
    ({"disease": "ALL", "subtype": "Mature-B_cell"}, True),
    ({"disease": "ALL", "subtype": "b__cell"}, False),
    ({"disease": "ALL", "subtype": "-b-cell"}, False),
    ({"disease": "ALL", "subtype": "bcell"}, False),
    ({"disease": "ALL", "imatinib_response": "not effective"}, True),
    ({"disease": "ALL", "imatinib_response": "not\teffective"}, False),
    ({"disease": "ALL", "imatinib_response": None}, True),
    ({"disease": "ALL", "ph_status": "Positive\n"}, True),
    ({"disease": "ALL", "ph_status": "ph+"}, False),
    ({"disease": "ALL", "cns_involvement": "unknown"}, True),
    ({"disease": "ALL", "cns_involvement": 0}, False),
    ({"disease": "ALL", "cytogenetic_risk": "adverse"}, False),
]


@pytest.mark.parametrize(("profile", "accepted"), CORPUS, ids=lambda value: json.dumps(value))
def test_schema_and_validation_give_the_same_verdict(profile: Any, accepted: bool) -> None:
    assert _python_accepts(profile) is accepted
    assert INPUT_VALIDATOR.is_valid(profile) is accepted


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# from_schema resolves references in place: give it its own copy.
@given(from_schema(copy.deepcopy(INPUT)))
def test_every_input_the_schema_generates_validates(profile: dict[str, Any]) -> None:
    validate_profile(profile)


_SPELLING = st.text(alphabet="abcdefiklmnoprstuvwBCEFKLNU-_ \t\u212a", max_size=16)
_FIELD_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-1, 2), _SPELLING)
_KNOWN_FIELDS = [
    "cytogenetic_risk",
    "flt3_mutation",
    "transplant_status",
    "in_remission",
    "subtype",
    "ph_status",
    "imatinib_response",
    "intensive_earlier_treatment",
    "cns_involvement",
]


@settings(max_examples=300, deadline=None)
@given(
    disease=st.sampled_from(["AML", "all", " aml", "ALL ", "AL", "aml!"]),
    fields=st.dictionaries(st.sampled_from(_KNOWN_FIELDS), _FIELD_VALUE, max_size=4),
)
def test_arbitrary_inputs_get_the_same_verdict(disease: str, fields: dict[str, Any]) -> None:
    profile = {"disease": disease, **fields}
    assert INPUT_VALIDATOR.is_valid(profile) is _python_accepts(profile)


def test_both_schemas_are_valid_2020_12_documents_with_an_identity() -> None:
    for schema, schema_id in ((INPUT, INPUT_SCHEMA_ID), (CANONICAL, CANONICAL_SCHEMA_ID)):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == JSON_SCHEMA_DIALECT
        assert schema["$id"] == schema_id and schema["title"]
    assert INPUT_SCHEMA_ID != CANONICAL_SCHEMA_ID


def test_the_canonical_schema_describes_what_explain_returns() -> None:
    result = explain({"disease": " aml", "cytogenetic_risk": "adverse", "flt3_mutation": "unknown"})
    assert CANONICAL_VALIDATOR.is_valid(result.profile.model_dump(mode="json"))
    # One spelling per value: the aliases the input schema takes are not canonical.
    assert not CANONICAL_VALIDATOR.is_valid({"disease": "AML", "cytogenetic_risk": "adverse"})
    assert INPUT_VALIDATOR.is_valid({"disease": "AML", "cytogenetic_risk": "adverse"})


def test_pathway_schema_prints_the_input_schema_and_output_the_canonical_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == INPUT
    assert main(["schema", "--output"]) == 0
    assert json.loads(capsys.readouterr().out) == CANONICAL
