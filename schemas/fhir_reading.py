"""What a FHIR R4 record says about a patient profile: one reading per leukemia found, the evidence
for each fact (which resource, which code, which value), the facts left unknown, and conflicts.

A reading never decides beyond the record: resources that disagree leave the fact unknown and are
named in a `Conflict`; a coded fact that is not a field of the patient's disease is evidence with
`used=False`. Resources that could not be read are listed in `ignored`, never dropped silently.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Reading(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Reading):
    """One coded fact found in one resource, and whether it went into the profile."""

    field: str = Field(description="The profile field the code speaks to, e.g. `flt3_mutation`.")
    value: str | bool = Field(description="The value the code sets for that field.")
    resource: str = Field(
        description='Where it came from: "Observation/abc", or "Bundle.entry[3]" without an id.'
    )
    system: str = Field(description="The code system URI of the matching code.")
    code: str = Field(description="The matching code.")
    display: str | None = Field(
        default=None,
        description="The record's words for the code (its coding display); for an Observation, "
        "the test and its answer, with the map's meaning where the record gives no display.",
    )
    used: bool = Field(description="Whether this evidence set the value in the profile.")
    reason: str | None = Field(default=None, description="Why it was not used (None when used).")


class Conflict(_Reading):
    """Resources that disagree about one field: the field stays unknown."""

    field: str
    values: tuple[str, ...] = Field(description="The distinct values the resources give.")
    resources: tuple[str, ...] = Field(description="Every resource that gave one of the values.")


class IgnoredResource(_Reading):
    """A resource that was not read, and why (invalid, wrong status, unsupported type)."""

    resource: str
    reason: str


class DiseaseReading(_Reading):
    """The profile read from the record for one leukemia."""

    disease: str = Field(description='"AML" or "ALL".')
    profile: dict[str, Any] = Field(
        description="Canonical profile fields (validates with schemas.profile); unknown facts are "
        "`unknown` or null, as in a profile file."
    )
    evidence: tuple[Evidence, ...] = ()
    unknown: tuple[str, ...] = Field(default=(), description="Profile fields left unknown.")
    conflicts: tuple[Conflict, ...] = ()


class FhirReading(_Reading):
    """The whole reading of a record: AML first, then ALL; empty when neither is on record."""

    profiles: tuple[DiseaseReading, ...] = ()
    ignored: tuple[IgnoredResource, ...] = ()
