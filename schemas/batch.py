"""The lines `pathway explain --batch --summary` writes, and `BatchResult.summary()` returns.

A summary line is the compact reading of one explanation for cohort work: each option's status,
what each undecided option needs, the notes shown, and what is missing. The quotations, reasons
and what-ifs are in the full explanation (the default output), which a summary never replaces
when a statement is to be checked against the text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.explanation import Status

BatchId = str | int | float | None


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line: int = Field(ge=1, description="1-based number of the input line (item index + 1).")
    id: BatchId = Field(description="The input's `id` (a string or a number), else null.")


class SummaryLine(_Line):
    """One explained profile, in a few hundred bytes."""

    disease: Literal["AML", "ALL"]
    statuses: dict[str, Status] = Field(description="Each option's id and its status.")
    needs: dict[str, tuple[str, ...]] = Field(
        description="Only the options that need information: the unknown fields deciding them."
    )
    notes: dict[str, Literal[Status.APPLIES, Status.NEEDS_INFORMATION]] = Field(
        description="The notes shown for this profile (id and status)."
    )
    missing_information: tuple[str, ...]
    rulebase_version: str


class ErrorLine(_Line):
    """An input line (or item) that could not be explained; the same in both output modes."""

    error: str
    field: str | None = Field(description="The field to blame, when one is.")
