"""The finite space of profiles: each field's possible known values, a profile's known values,
and the completions of its unknown fields. Derived from the Pydantic models, so it cannot drift."""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import cache

from engine.domain.profiles import profile_model
from schemas.profile import DiseaseProfile

Value = bool | str
"""A known value: an enum's string value, or a yes/no fact."""

UNKNOWN = "unknown"
Facts = Mapping[str, Value | None]
"""Field → known value, or None when unknown. Excludes `disease`."""


def field_domains(disease: str) -> dict[str, tuple[Value, ...]]:
    """Field → its known values, in declaration order (`unknown`/null excluded)."""
    return _domains_of(profile_model(disease))


@cache
def _domains_of(model: type[DiseaseProfile]) -> dict[str, tuple[Value, ...]]:
    domains: dict[str, tuple[Value, ...]] = {}
    for name, info in model.model_fields.items():
        if name == "disease":
            continue
        domains[name] = _known_values(info.annotation)
    return domains


def _known_values(annotation: object) -> tuple[Value, ...]:
    if typing.get_origin(annotation) is typing.Annotated:
        return _known_values(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return tuple(member.value for member in annotation if member.value != UNKNOWN)
    if annotation is bool:
        return (True, False)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _known_values(members[0])
    raise TypeError(f"profile field type {annotation!r} has no finite domain")


def facts_of(profile: DiseaseProfile) -> dict[str, Value | None]:
    """The profile's facts with `unknown` and null both as None."""
    facts: dict[str, Value | None] = {}
    for name in field_domains(profile.disease):
        value = getattr(profile, name)
        if isinstance(value, StrEnum):
            value = None if value.value == UNKNOWN else value.value
        facts[name] = value
    return facts


def unknown_fields(disease: str, facts: Facts) -> tuple[str, ...]:
    return tuple(name for name in field_domains(disease) if facts.get(name) is None)


def completions(disease: str, facts: Facts) -> Iterator[dict[str, Value]]:
    """Every fully known fact set that agrees with `facts` where `facts` is known."""
    domains = field_domains(disease)
    choices = [(facts[name],) if facts.get(name) is not None else domains[name] for name in domains]
    for values in itertools.product(*choices):
        yield dict(zip(domains, values, strict=True))  # type: ignore[arg-type]


def profile_from_facts(disease: str, facts: Facts) -> DiseaseProfile:
    """The inverse of `facts_of`: None becomes `unknown` for choices and null for yes/no facts."""
    fields: dict[str, object] = {"disease": disease}
    for name, domain in field_domains(disease).items():
        value = facts.get(name)
        fields[name] = value if value is not None or domain == (True, False) else UNKNOWN
    return profile_model(disease).model_validate(fields)


def every_profile(disease: str) -> Iterator[DiseaseProfile]:
    """Every profile of the disease, each field known (each value) or unknown."""
    domains = field_domains(disease)
    for values in itertools.product(*[(*domain, None) for domain in domains.values()]):
        yield profile_from_facts(disease, dict(zip(domains, values, strict=True)))
