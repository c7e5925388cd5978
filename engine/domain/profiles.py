"""The profile models in use, by disease: the bundled ones from `schemas/profile.py`, plus any a
rulebase's manifest names (`profiles:`). Every disease name the engine handles comes from here.

Why a registry and not only a model list passed down: validation, the profile space and labels
look models up by disease name, and some callers (batch, teaching cases) validate with no
rulebase at hand. Registering is idempotent and refuses a second,
different model for a disease, so a registered disease always means the same fields.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails

from schemas.profile import PROFILE_MODELS, DiseaseProfile, normalise_disease

# The one registry of profile models (lock-guarded; it only grows).
_REGISTRY_LOCK = threading.Lock()
_profile_models: dict[str, type[DiseaseProfile]] = dict(PROFILE_MODELS)


def disease_of(model: type[DiseaseProfile]) -> str:
    """The disease a profile model stands for: the one value its `disease` Literal allows."""
    annotation = model.model_fields["disease"].annotation
    values = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else ()
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"{model.__name__}.disease must be a Literal of one disease name")
    return str(values[0])


def register_profile_model(model: type[DiseaseProfile]) -> str:
    """Make `model`'s disease known (a no-op when it already is, by this model); returns it.
    Raises ValueError when another model already stands for that disease."""
    disease = disease_of(model)
    with _REGISTRY_LOCK:
        known = _profile_models.setdefault(disease, model)
    if known is not model:
        raise ValueError(
            f"disease {disease} already has the profile model "
            f"{known.__module__}.{known.__qualname__}"
        )
    return disease


def diseases() -> tuple[str, ...]:
    """Every known disease, bundled ones first, then in order of registration."""
    with _REGISTRY_LOCK:
        return tuple(_profile_models)


def profile_model(disease: str) -> type[DiseaseProfile]:
    """The profile model of a known disease (KeyError for an unknown one)."""
    with _REGISTRY_LOCK:
        return _profile_models[disease]


BUNDLED_DISEASES: tuple[str, ...] = tuple(PROFILE_MODELS)
"""The diseases of the bundled profile models."""


def validate_profile(
    profile: Mapping[str, Any] | DiseaseProfile, known: tuple[str, ...] | None = None
) -> DiseaseProfile:
    """Validate and normalise a profile by its `disease`, one of `known` (default: every
    registered disease); raises pydantic.ValidationError naming the field (`invalid_disease`
    when the disease is missing or not known). Always returns a new instance."""
    known = diseases() if known is None else known
    if isinstance(profile, DiseaseProfile):
        # Validated again from its field values into a new, plain instance: an object made with
        # `model_construct` (which skips validation) or a subclass is trusted no more than a
        # mapping, and the caller's object is never kept.
        profile = dict(profile.__dict__)
    if not isinstance(profile, Mapping):
        raise ValidationError.from_exception_data(
            "Profile", [InitErrorDetails(type="dict_type", loc=(), input=profile)]
        )
    return profile_adapter(known).validate_python(dict(profile))


@cache
def profile_adapter(known: tuple[str, ...]) -> TypeAdapter[DiseaseProfile]:
    """Validation (and JSON Schema) of a profile of any of the `known` diseases."""
    # A union of the known models, told apart by `disease`: Pydantic names the model in error
    # locations (`AML.ph_status`) and refuses an unknown disease with one `invalid_disease` error.
    members = tuple(Annotated[profile_model(name), Tag(name)] for name in known)
    quoted = [f'"{name}"' for name in known]
    choices = " or ".join(quoted) if len(quoted) <= 2 else f"one of {', '.join(quoted)}"
    union = Annotated[
        Union[members],  # type: ignore[valid-type]  # noqa: UP007 -- built at run time
        Discriminator(
            _disease_tag,
            custom_error_type="invalid_disease",
            custom_error_message=f"field 'disease' must be {choices}",
        ),
    ]
    return TypeAdapter(union)


def _disease_tag(value: Any) -> str | None:
    disease = (
        value.get("disease") if isinstance(value, Mapping) else getattr(value, "disease", None)
    )
    return normalise_disease(disease) if isinstance(disease, str) else None
