"""Plain-language labels for diseases, fields and values: the one home of what people read for a
name in the data. Disease and field labels come from the profile models."""

from __future__ import annotations

from engine.domain.profile_space import Value
from engine.domain.profiles import diseases, profile_model
from schemas.explanation import Status

STATUS_HEADINGS = {
    Status.APPLIES: "Described for this situation",
    Status.NEEDS_INFORMATION: "Depends on information not given",
    Status.DOES_NOT_APPLY: "Not described for this situation",
}
"""An option status as a section heading."""

STATUS_WORDS = {
    Status.APPLIES: "applies",
    Status.NEEDS_INFORMATION: "needs information",
    Status.DOES_NOT_APPLY: "does not apply",
}
"""An option status in running text."""

NOTE_STATUS_WORDS = {Status.APPLIES: "applies", Status.NEEDS_INFORMATION: "may apply"}
"""A shown note's status in running text."""

_VALUE_LABELS: dict[str, str] = {
    "ineligible": "ineligible (unable to have a stem cell transplant)",
    "eligible": "eligible (able to have a stem cell transplant)",
    "received": "received (has had a stem cell transplant)",
    "b_cell": "B-cell",
    "t_cell": "T-cell",
    "mature_b_cell": "mature B-cell (Burkitt-type)",
    "not_effective": "not effective",
}


def disease_label(disease: str) -> str:
    """e.g. `acute myeloid leukemia (AML)`."""
    return f"{profile_model(disease).disease_name} ({disease})"


def field_label(field: str) -> str:
    for model in (profile_model(disease) for disease in diseases()):
        info = model.model_fields.get(field)
        if info is not None and info.title:
            return info.title
    return field.replace("_", " ")


def value_label(value: Value | None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _VALUE_LABELS.get(value, value.replace("_", " "))


def values_label(values: tuple[Value, ...], conjunction: str = "or") -> str:
    labels = [value_label(v) for v in values]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} {conjunction} {labels[-1]}"
