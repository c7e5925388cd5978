"""What `pathway sources diff` reports about a revised page: every citation, every statement of the
new text and every metadata string, each with what a maintainer has to decide."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CitationStatus(StrEnum):
    UNCHANGED = "unchanged"  # same text, in a statement the alignment keeps in place
    MOVED = "moved"  # same text, in a statement the alignment relocates
    CHANGED = "changed"  # no longer verbatim; a close passage exists
    AMBIGUOUS = "ambiguous"  # now occurs more than once: lengthen the quote
    MISSING = "missing"  # nothing close in the new text

    @property
    def needs_review(self) -> bool:
        return self not in (CitationStatus.UNCHANGED, CitationStatus.MOVED)


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitationChange(_Report):
    id: str = Field(description="The rule, note or `disclaimer` whose citation this is.")
    quote: str
    status: CitationStatus
    old_start: int
    old_end: int
    new_start: int | None = Field(description="Where the quote (or its closest passage) now is.")
    new_end: int | None
    closest: str | None = Field(description="For `changed`: the closest passage of the new text.")
    similarity: float | None = Field(description="For `changed`/`missing`: 0 to 1.")
    word_diff: str | None = Field(description="For `changed`: [-removed-] {+added+} words.")


class StatementChange(_Report):
    text: str
    start: int
    end: int
    heading: str
    status: Literal["covered", "waived", "uncovered"]
    new: bool = Field(description="No counterpart in the old text (moved or reworded is not new).")
    closest_of: tuple[str, ...] = Field(
        default=(),
        description="Changed citations whose closest passage lies in this statement: fixing "
        "them covers it.",
    )


class MetadataCheck(_Report):
    field: str
    value: str
    present: bool


class RevisionReport(_Report):
    document: str
    old_sha256: str
    new_sha256: str
    citations: tuple[CitationChange, ...]
    statements: tuple[StatementChange, ...]
    metadata: tuple[MetadataCheck, ...]

    @property
    def needs_review(self) -> bool:
        """Anything a maintainer must decide before the new text can be stored safely."""
        return (
            any(c.status.needs_review for c in self.citations)
            or any(s.status == "uncovered" for s in self.statements)
            or not all(m.present for m in self.metadata)
        )
