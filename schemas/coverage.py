"""`rules/coverage-waivers.yaml`: statements of the documents deliberately not encoded, and why.

Validation here is structural only; the coverage module checks that each quote is verbatim and
unique in its document and waives at least one whole statement.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.rule import Identifier

WaiverKind = Literal[
    "title",
    "review-date",
    "navigation",
    "definition",
    "reviewers",
    "references",
    "disclaimer",
    "contact",
]
"""Why a statement may stay unencoded: it states nothing a profile could bear on."""


class Waiver(BaseModel):
    """One reason, and the verbatim statements of one document it applies to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Identifier
    kind: WaiverKind
    reason: str = Field(min_length=10, description="Why a reviewer can accept it as unencoded.")
    quotes: tuple[str, ...] = Field(
        min_length=1, description="Each verbatim (whitespace may differ) and once in the document."
    )


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: tuple[Waiver, ...] = ()
