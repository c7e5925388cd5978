"""Pydantic v2 models: the profile, the rule files, citations and explanations."""

from schemas.citation import Citation
from schemas.explanation import (
    ConditionReason,
    Explanation,
    NoteResult,
    OptionResult,
    Outcome,
    Provenance,
    SourceProvenance,
    Status,
    WhatIf,
    WhatIfOutcome,
)
from schemas.profile import (
    PROFILE_MODELS,
    AllProfile,
    AllSubtype,
    AmlProfile,
    CytogeneticRisk,
    ImatinibResponse,
    PhStatus,
    Profile,
    TransplantStatus,
)

__all__ = [
    "PROFILE_MODELS",
    "AllProfile",
    "AllSubtype",
    "AmlProfile",
    "Citation",
    "ConditionReason",
    "CytogeneticRisk",
    "Explanation",
    "ImatinibResponse",
    "NoteResult",
    "OptionResult",
    "Outcome",
    "PhStatus",
    "Profile",
    "Provenance",
    "SourceProvenance",
    "Status",
    "TransplantStatus",
    "WhatIf",
    "WhatIfOutcome",
]
