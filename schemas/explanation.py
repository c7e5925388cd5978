"""What `engine.explain` returns. Frozen, with tuples: callers cannot change a result."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, WithJsonSchema

from schemas.citation import Citation
from schemas.profile import DiseaseProfile
from schemas.rule import FieldValue


class Status(StrEnum):
    APPLIES = "applies"
    NEEDS_INFORMATION = "needs_information"
    DOES_NOT_APPLY = "does_not_apply"


class Outcome(StrEnum):
    HELD = "held"
    NOT_HELD = "not_held"
    UNKNOWN = "unknown"
    BLOCKED = "blocked"  # an `unless` condition that holds and so blocks the option


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionReason(_Result):
    """One comparison of a rule, with the profile's value and what came of it."""

    rule: str = Field(description="Id of the rule the condition belongs to.")
    role: Literal["when", "unless"]
    field: str
    operator: Literal["is", "is_not", "in", "not_in"]
    expected: tuple[FieldValue, ...]
    actual: FieldValue | None = Field(description="The profile's value; null when unknown.")
    outcome: Outcome
    text: str = Field(description="The same, as a sentence.")


class WhatIfOutcome(_Result):
    value: FieldValue
    status: Status


class WhatIf(_Result):
    """How the status would read if one missing fact were known."""

    field: str
    outcomes: tuple[WhatIfOutcome, ...]


class OptionResult(_Result):
    id: str
    category: str
    title: str
    treatments: tuple[str, ...]
    status: Status
    reasons: tuple[ConditionReason, ...]
    needs: tuple[str, ...] = Field(description="Unknown fields whose value decides the status.")
    what_if: tuple[WhatIf, ...]
    citations: tuple[Citation, ...]
    rules: tuple[str, ...] = Field(description="Ids of the rules that conclude this option.")
    rule_notes: tuple[str, ...] = Field(description="Plain-language reading of each rule.")


class NoteResult(_Result):
    """A duration, scope or caveat statement of a document that bears on this profile."""

    id: str
    text: str
    status: Literal[Status.APPLIES, Status.NEEDS_INFORMATION]
    needs: tuple[str, ...]
    what_if: tuple[WhatIf, ...] = Field(
        description="For each needed field, the note's status for each value (does_not_apply: "
        "not shown)."
    )
    citations: tuple[Citation, ...]


class SourceProvenance(_Result):
    document: str
    title: str
    publisher: str
    sha256: str = Field(description="SHA-256 of the stored text the explanation quotes.")
    url: str | None = Field(default=None, description="Where the publisher serves the page.")
    retrieved: date | None = Field(default=None, description="When the stored text was taken.")


class Provenance(_Result):
    rulebase_version: str
    rulebase_sha256: str = Field(description="SHA-256 over the rule files, in manifest order.")
    sources: tuple[SourceProvenance, ...]


_PROFILE_OUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The validated profile in canonical form: `disease` and that disease's facts "
    "(`pathway schema --output` gives each disease's fields).",
    "properties": {"disease": {"type": "string"}},
    "required": ["disease"],
    "additionalProperties": True,
}


class Explanation(_Result):
    """Which maintenance options the documents describe for `profile`, and why."""

    # Any disease's model (a rulebase may add diseases); serialised with that model's fields, so
    # its JSON Schema is the open shape below, not the base model's lone `disease`.
    profile: Annotated[SerializeAsAny[DiseaseProfile], WithJsonSchema(_PROFILE_OUT_SCHEMA)]
    options: tuple[OptionResult, ...]
    notes: tuple[NoteResult, ...]
    missing_information: tuple[str, ...] = Field(
        description="Union of the options' and notes' needs, in profile field order."
    )
    disclaimer: str
    provenance: Provenance
