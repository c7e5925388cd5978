"""The terminology map's shape: which coded FHIR facts set which profile values.

A map is data (`rules/terminology.yaml`, extended or overridden by a site's own file). Each entry
names its code system and code, what the code means, the profile field(s) and value(s) it sets,
and the source where the code was checked. Validation here is structural only; whether a field
and value exist in the profile is checked by the loader, which knows the profile schema.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Token = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=40)]
"""An answer's name, e.g. `present`, `absent`, `favourable`."""
SetValue = bool | str
"""A profile value: a choice such as `received`, or a yes/no fact."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Text = Field(description="Code system URI, e.g. http://loinc.org.")
    code: Code
    meaning: Text = Field(description="What the code means, as its code system words it.")
    source: Text = Field(
        description="Where the code was verified (URL or document) and what that source says; "
        "for a local code, the site's own code list."
    )


class AnswerEntry(_Entry):
    """A coded Observation value, e.g. LOINC LA9633-4 Present, named by an answer token."""

    answer: Token


class ConditionEntry(_Entry):
    """A Condition code: the leukemia it diagnoses (if any) and the values it sets."""

    disease: Literal["AML", "ALL"] | None = None
    sets: dict[str, SetValue] = Field(default_factory=dict)


class ObservationEntry(_Entry):
    """An Observation code whose coded answer sets one field, e.g. FLT3-ITD presence."""

    field: Text
    values: dict[Token, SetValue] = Field(
        min_length=1,
        description="Answer token → field value. An answer left out sets nothing (e.g. a "
        "negative result for one BCR-ABL1 breakpoint does not exclude another).",
    )


class ProcedureEntry(_Entry):
    """A Procedure code: the values a completed procedure sets."""

    sets: dict[str, SetValue] = Field(min_length=1)


class TerminologyFile(BaseModel):
    """One terminology file. A later file's entry replaces an earlier one with the same system
    and code in the same section; every other entry is added."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    answers: tuple[AnswerEntry, ...] = ()
    conditions: tuple[ConditionEntry, ...] = ()
    observations: tuple[ObservationEntry, ...] = ()
    procedures: tuple[ProcedureEntry, ...] = ()
