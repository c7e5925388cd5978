"""The profile's two JSON Schemas, for callers in other languages.

- The input schema says what validation accepts: every documented alias and spelling (`"aml"`,
  `adverse`, `b-cell`, `not effective`...), null as unknown for a choice, `"unknown"` for a yes/no
  fact. Validate a profile against it before sending it to `explain`.
- The canonical schema says what a profile looks like once normalised, as `explain` returns it
  (`Explanation.profile`): one spelling per value.
Both come from the Pydantic models in `schemas.profile`, so they cannot drift from validation; a test
checks the input schema against validation both ways.
"""

from __future__ import annotations

from typing import Any, Literal

from engine.domain.profiles import BUNDLED_DISEASES, profile_adapter

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
INPUT_SCHEMA_ID = "urn:pathway-explainer:schema:profile-input"
CANONICAL_SCHEMA_ID = "urn:pathway-explainer:schema:profile"

_HEADERS: dict[str, dict[str, str]] = {
    "validation": {
        "$id": INPUT_SCHEMA_ID,
        "title": "Patient profile (input accepted by pathway explain)",
        "description": "Every profile that validation accepts, with all accepted spellings; "
        "unknown facts may be left out. Describes documents; does not replace a doctor.",
    },
    "serialization": {
        "$id": CANONICAL_SCHEMA_ID,
        "title": "Patient profile (canonical, as returned by explain)",
        "description": "A validated profile with one spelling per value: the form of "
        "Explanation.profile. Describes documents; does not replace a doctor.",
    },
}


def profile_json_schema(
    kind: Literal["input", "canonical"] = "input", known: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The input schema (what validation accepts) or the canonical one (normalised profiles), of
    the `known` diseases (default: the bundled ones)."""
    mode: Literal["validation", "serialization"] = (
        "validation" if kind == "input" else "serialization"
    )
    body = profile_adapter(known or BUNDLED_DISEASES).json_schema(mode=mode)
    return {"$schema": JSON_SCHEMA_DIALECT, **_HEADERS[mode], **body}
