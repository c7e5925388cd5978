"""Patient profiles: one model per disease, each a `DiseaseProfile`, told apart by `disease`.

This module is the one list of diseases and of their fields: the engine derives every disease
name, field, value and label from these models (a rulebase names the models it uses in its
manifest; see docs/architecture.md). Only facts that the documents use are fields; anything else
is rejected (`extra="forbid"`). "Unknown" is a first-class value: `unknown` for choices, `null`
for yes/no facts.

The JSON Schema of validation mode describes what validation accepts (every spelling the
normalisers below take); that of serialization mode describes the canonical, normalised profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    WithJsonSchema,
)


class CytogeneticRisk(StrEnum):
    FAVOURABLE = "favourable"
    INTERMEDIATE = "intermediate"
    UNFAVOURABLE = "unfavourable"
    UNKNOWN = "unknown"


class TransplantStatus(StrEnum):
    RECEIVED = "received"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"  # "unable to have a stem cell transplant"
    UNKNOWN = "unknown"


class AllSubtype(StrEnum):
    B_CELL = "b_cell"
    T_CELL = "t_cell"
    MATURE_B_CELL = "mature_b_cell"  # Burkitt-type leukemia
    UNKNOWN = "unknown"


class PhStatus(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class ImatinibResponse(StrEnum):
    EFFECTIVE = "effective"
    NOT_EFFECTIVE = "not_effective"
    UNKNOWN = "unknown"


def _choice(aliases: Mapping[str, str]) -> Callable[[Any], Any]:
    """Normalise a choice: any case, `-` or space for `_`, the given spelling aliases, and null
    for `unknown` (as for yes/no facts)."""

    def normalise(value: Any) -> Any:
        if value is None:
            return "unknown"
        if not isinstance(value, str):
            return value
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
        return aliases.get(key, key)

    return normalise


def _unknown_as_none(value: Any) -> Any:
    # A yes/no fact may be written `unknown`; it means the same as null.
    if isinstance(value, str) and value.strip().lower() == "unknown":
        return None
    return value


def _any_case(word: str) -> str:
    # str.lower() also maps the Kelvin sign (U+212A) to "k"; no other non-ASCII letter lowers or
    # uppers to an ASCII letter used here, and `\s` is exactly what str.strip() removes.
    parts = []
    for char in word:
        if char == "_":
            parts.append("[-_ ]")
        else:
            kelvin = "\u212a" if char.lower() == "k" else ""
            parts.append(f"[{char.lower()}{char.upper()}{kelvin}]")
    return "".join(parts)


def _spellings(words: Iterable[str]) -> dict[str, Any]:
    alternatives = "|".join(_any_case(word) for word in sorted(words))
    return {"type": "string", "pattern": f"^\\s*(?:{alternatives})\\s*$"}


def _accepted_choice(choices: type[StrEnum], aliases: Mapping[str, str]) -> WithJsonSchema:
    """What `_choice` accepts, as JSON Schema: each value or alias in any case, `-` or a space
    for `_`, surrounding whitespace, and null for unknown."""
    words = [member.value for member in choices] + list(aliases)
    return WithJsonSchema({"anyOf": [_spellings(words), {"type": "null"}]}, mode="validation")


def _accepted_disease(name: str) -> WithJsonSchema:
    return WithJsonSchema(_spellings([name]), mode="validation")


YesNoUnknown = Annotated[
    StrictBool | None,
    BeforeValidator(_unknown_as_none),
    WithJsonSchema(
        {"anyOf": [{"type": "boolean"}, {"type": "null"}, _spellings(["unknown"])]},
        mode="validation",
    ),
]

_RISK_ALIASES = {
    "favorable": "favourable",
    "unfavorable": "unfavourable",
    "adverse": "unfavourable",
}
_SUBTYPE_ALIASES = {"burkitt": "mature_b_cell"}
_NO_ALIASES: dict[str, str] = {}
_YES_NO = 'true, false, or null when unknown ("unknown" is accepted).'


def normalise_disease(value: Any) -> Any:
    """The spelling of a disease the models compare with: trimmed, upper case."""
    return value.strip().upper() if isinstance(value, str) else value


class DiseaseProfile(BaseModel):
    """Base of every disease's profile model. A subclass declares `disease: Literal["<NAME>"]`
    (with `BeforeValidator(normalise_disease)`), `disease_name` (how text names the disease), and its
    facts: StrEnum choices with an `unknown` member, or `YesNoUnknown`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    disease_name: ClassVar[str]
    disease: str


class AmlProfile(DiseaseProfile):
    """A person with acute myeloid leukemia."""

    disease_name: ClassVar[str] = "acute myeloid leukemia"

    disease: Annotated[
        Literal["AML"], BeforeValidator(normalise_disease), _accepted_disease("AML")
    ] = Field(title="Disease", description="Acute myeloid leukemia.")
    cytogenetic_risk: Annotated[
        CytogeneticRisk,
        BeforeValidator(_choice(_RISK_ALIASES)),
        _accepted_choice(CytogeneticRisk, _RISK_ALIASES),
    ] = Field(
        default=CytogeneticRisk.UNKNOWN,
        title="Cytogenetic risk (chromosome changes)",
        description="favourable, intermediate, unfavourable or unknown "
        "(favorable, unfavorable and adverse are accepted).",
    )
    flt3_mutation: YesNoUnknown = Field(default=None, title="FLT3 mutation", description=_YES_NO)
    transplant_status: Annotated[
        TransplantStatus,
        BeforeValidator(_choice(_NO_ALIASES)),
        _accepted_choice(TransplantStatus, _NO_ALIASES),
    ] = Field(
        default=TransplantStatus.UNKNOWN,
        title="Stem cell transplant",
        description="received, eligible, ineligible (unable to have a stem cell transplant) "
        "or unknown.",
    )
    in_remission: YesNoUnknown = Field(default=None, title="In remission", description=_YES_NO)


class AllProfile(DiseaseProfile):
    """A person with acute lymphoblastic leukemia."""

    disease_name: ClassVar[str] = "acute lymphoblastic leukemia"

    disease: Annotated[
        Literal["ALL"], BeforeValidator(normalise_disease), _accepted_disease("ALL")
    ] = Field(title="Disease", description="Acute lymphoblastic leukemia.")
    subtype: Annotated[
        AllSubtype,
        BeforeValidator(_choice(_SUBTYPE_ALIASES)),
        _accepted_choice(AllSubtype, _SUBTYPE_ALIASES),
    ] = Field(
        default=AllSubtype.UNKNOWN,
        title="ALL subtype",
        description="b_cell, t_cell, mature_b_cell (Burkitt-type; `burkitt` is accepted) "
        "or unknown; any case, with `-` or a space for `_` (b-cell).",
    )
    ph_status: Annotated[
        PhStatus, BeforeValidator(_choice(_NO_ALIASES)), _accepted_choice(PhStatus, _NO_ALIASES)
    ] = Field(
        default=PhStatus.UNKNOWN,
        title="Philadelphia chromosome (Ph) status",
        description="positive, negative or unknown.",
    )
    imatinib_response: Annotated[
        ImatinibResponse,
        BeforeValidator(_choice(_NO_ALIASES)),
        _accepted_choice(ImatinibResponse, _NO_ALIASES),
    ] = Field(
        default=ImatinibResponse.UNKNOWN,
        title="Response to imatinib",
        description="effective, not_effective (or `not effective`) or unknown.",
    )
    intensive_earlier_treatment: YesNoUnknown = Field(
        default=None,
        title="More intense treatment in earlier phases",
        description=_YES_NO,
    )
    cns_involvement: YesNoUnknown = Field(
        default=None,
        title="Central nervous system (CNS) involvement",
        description=_YES_NO,
    )


def _profile_tag(value: Any) -> str | None:
    disease = (
        value.get("disease") if isinstance(value, Mapping) else getattr(value, "disease", None)
    )
    return normalise_disease(disease) if isinstance(disease, str) else None


Profile = Annotated[
    Annotated[AmlProfile, Tag("AML")] | Annotated[AllProfile, Tag("ALL")],
    Discriminator(
        _profile_tag,
        custom_error_type="invalid_disease",
        custom_error_message='field \'disease\' must be "AML" or "ALL"',
    ),
]
"""A validated profile of either bundled disease (the shape `pathway schema` prints)."""

PROFILE_MODELS: dict[str, type[DiseaseProfile]] = {"AML": AmlProfile, "ALL": AllProfile}
"""The bundled diseases' models, by disease. The rules directory's manifest names the models a
rulebase uses; these are the ones it names by default."""
