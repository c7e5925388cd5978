"""A resolved citation: a verbatim quote and where it stands in its stored document."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Citation(BaseModel):
    """`text[start:end]` of document `document`, whitespace-normalised, equals `quote`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str
    quote: str
    start: int = Field(ge=0, description="Offset of the first character (Unicode code points).")
    end: int = Field(gt=0, description="Offset after the last character.")
