"""A teaching case (`examples/cases/<id>.yaml`): a short story, the profile it boils down to, the
points it teaches, and the statuses it is written to teach (checked against `explain` by tests).

Age, names and story belong in `vignette` only: the profile carries the facts the documents use,
nothing else (`extra="forbid"` there too).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.explanation import Status
from schemas.profile import Profile
from schemas.rule import Identifier

NoteTeaching = Literal["applies", "needs_information", "not_shown"]
"""How a note is meant to read in the case: shown, shown as "may apply", or not shown at all."""


class _CaseData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseTeaching(_CaseData):
    """The statuses a case is written to teach, by hand from the source text."""

    options: dict[Identifier, Status] = Field(
        min_length=1, description="Every option of the disease, with the status the case teaches."
    )
    notes: dict[Identifier, NoteTeaching] = Field(
        default_factory=dict, description="Notes the case is about, and how each is meant to read."
    )
    missing_information: tuple[str, ...] | None = Field(
        default=None, description="If given: exactly the facts whose absence matters, in order."
    )


class Case(_CaseData):
    """One worked case of the library."""

    id: Identifier
    title: str = Field(min_length=3, max_length=120)
    vignette: str = Field(min_length=20, description="Narrative only: age and story, no facts.")
    profile: Profile
    learning_points: tuple[str, ...] = Field(min_length=2, max_length=4)
    teaches: CaseTeaching
