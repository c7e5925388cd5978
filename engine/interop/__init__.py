"""Layer 4, interop (beside reasoning): reading health records in standard formats into profiles. `fhir` reads a FHIR
R4 record (Bundle or resources) with the evidence for every fact; `terminology` loads the data
that says which code means what. Depends on `domain`, `inputs`, `rulebase` (the rules directory)
and `schemas/`."""

from engine.interop.fhir import FhirInputError, profile_from_fhir
from engine.interop.terminology import (
    Terminology,
    TerminologyError,
    default_terminology_path,
    load_terminology,
    shipped_terminology,
)

__all__ = [
    "FhirInputError",
    "Terminology",
    "TerminologyError",
    "default_terminology_path",
    "load_terminology",
    "profile_from_fhir",
    "shipped_terminology",
]
