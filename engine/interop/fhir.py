"""Reading a FHIR R4 record into patient profiles, with the evidence for every fact.

The record is a Bundle (e.g. a searchset) or a list of resources. Condition, Observation and
Procedure resources are parsed with fhir.resources' R4B models (the default R5 models refuse or
drop R4 payloads); every other resource, and every resource that fails validation, is listed in
the reading's `ignored` with the reason, never raised.

The rules, from the FHIR R4 definitions of the status elements:
- a Condition whose verificationStatus is `refuted` or `entered-in-error` asserts nothing;
- an Observation counts only when its status is `final`, `amended` or `corrected`;
- a Procedure counts only when `completed`;
- a leukemia Condition's clinicalStatus `remission` means in remission, `relapse` and `recurrence`
  mean not in remission; `resolved`, `inactive` and `active` leave the diagnosis standing and say
  nothing about remission.

Which code means what is data: the terminology map (`engine.interop.terminology`). A fact the map
gives stays unknown when resources disagree (a Conflict names them all), and a fact that is not a
field of the patient's disease (FLT3 on an ALL record) is evidence that is not used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.procedure import Procedure
from pydantic import ValidationError

from engine.domain.profile_space import field_domains, profile_from_facts, unknown_fields
from engine.errors import ErrorKind, InputErrorOfKind
from engine.interop.memo import ContentMemo
from engine.interop.terminology import Terminology, shipped_terminology
from schemas.fhir_reading import (
    Conflict,
    DiseaseReading,
    Evidence,
    FhirReading,
    IgnoredResource,
)
from schemas.profile import PROFILE_MODELS

READ_TYPES = ("Condition", "Observation", "Procedure")
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_NOT_ASSERTED = frozenset({"refuted", "entered-in-error"})
_RESULT_STATUSES = frozenset({"final", "amended", "corrected"})
_REMISSION_BY_CLINICAL_STATUS = {"remission": True, "relapse": False, "recurrence": False}
_MAX_CODES_LISTED = 4


class FhirInputError(InputErrorOfKind):
    """Input that is neither a FHIR Bundle, a resource, nor a list of resources."""

    KIND = ErrorKind.INVALID_FHIR_INPUT


@dataclass(frozen=True)
class _Fact:
    field: str
    value: bool | str
    disease: str | None
    """The leukemia the fact belongs to (from its Condition), or None for a fact of the patient."""
    resource: str
    system: str
    code: str
    display: str | None


def profile_from_fhir(data: Any, terminology: Terminology | None = None) -> FhirReading:
    """Read a FHIR R4 Bundle (a dict) or a list of resource dicts into one DiseaseReading per
    leukemia on record (AML first, then ALL; none when neither is).

    `terminology` defaults to the shipped map (loaded once per process); pass one from
    `load_terminology` to use a site's own codes. Raises FhirInputError only when `data` is not a Bundle,
    a resource or a list; a resource that cannot be read is listed in `ignored`.
    """
    terminology = terminology if terminology is not None else shipped_terminology()
    ignored: list[IgnoredResource] = []
    facts: list[_Fact] = []
    for name, raw in _named_resources(data, ignored):
        said, skipped = _read_remembered(name, raw, terminology)
        facts.extend(said)
        ignored.extend(skipped)
    readings = tuple(
        _disease_reading(disease, facts)
        for disease in PROFILE_MODELS
        if any(fact.field == "disease" and fact.value == disease for fact in facts)
    )
    if not readings:
        # Facts of the patient (a transplant) with no leukemia to belong to: say so, not drop them.
        for resource, found in _facts_by_resource(facts).items():
            given = ", ".join(f"{fact.field}={_text(fact.value)}" for fact in found)
            reason = (
                f"no {' or '.join(PROFILE_MODELS)} condition on record, so its facts ({given}) "
                "belong to no profile"
            )
            ignored.append(IgnoredResource(resource=resource, reason=reason))
    return FhirReading(profiles=readings, ignored=tuple(ignored))


def _facts_by_resource(facts: Sequence[_Fact]) -> dict[str, list[_Fact]]:
    grouped: dict[str, list[_Fact]] = {}
    for fact in dict.fromkeys(facts):
        grouped.setdefault(fact.resource, []).append(fact)
    return grouped


def _named_resources(data: Any, ignored: list[IgnoredResource]) -> Iterator[tuple[str, Any]]:
    """(name, raw resource) in record order; names are `Type/id`, else the position. Entries
    without a resource are listed in `ignored` where they stand."""
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            raise FhirInputError(
                "Bundle.entry is not a list", "Send the Bundle as FHIR JSON.", path="Bundle"
            )
        items = [
            (f"Bundle.entry[{index}]", entry.get("resource") if isinstance(entry, dict) else None)
            for index, entry in enumerate(entries)
        ]
    elif isinstance(data, dict) and "resourceType" in data:
        items = [("resource", data)]
    elif isinstance(data, list):
        items = [(f"resources[{index}]", item) for index, item in enumerate(data)]
    else:
        kind = "an object without resourceType" if isinstance(data, dict) else type(data).__name__
        raise FhirInputError(
            f"expected a FHIR Bundle, a resource or a list of resources, got {kind}",
            'Send e.g. {"resourceType": "Bundle", "type": "searchset", "entry": [...]}.',
            path="<fhir>",
        )
    used: set[str] = set()
    for position, raw in items:
        if not isinstance(raw, dict):
            reason = (
                "the entry has no resource"
                if position.startswith("Bundle")
                else ("not a JSON object")
            )
            ignored.append(IgnoredResource(resource=position, reason=reason))
            continue
        name = _name(position, raw)
        if name in used:
            # Two resources with one id: keep both, told apart by position.
            name = f"{name} ({position})"
        used.add(name)
        yield name, raw


def _name(position: str, raw: dict[str, Any]) -> str:
    kind, ident = raw.get("resourceType"), raw.get("id")
    if isinstance(kind, str) and isinstance(ident, str) and ident and len(ident) <= 64:
        return f"{kind}/{ident}"
    return position


def _read_remembered(
    name: str, raw: dict[str, Any], terminology: Terminology
) -> tuple[tuple[_Fact, ...], tuple[IgnoredResource, ...]]:
    """What one resource says, remembered by its content (`_READINGS`): strict R4B parsing is
    most of the cost of a record (about 0.1–0.2 ms a resource). The key is the SHA-256 of the
    resource's canonical JSON with its name and the terminology map, so a hit is provably the same
    reading; only derived facts (codes, values, reasons) are kept, never the resources."""
    try:
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return _read_now(name, raw, terminology)  # not JSON data: uncached (most likely refused)
    digest = hashlib.sha256(f"{name}\n{canonical}".encode()).hexdigest()
    return _READINGS.get_or_build((terminology,), digest, lambda: _read_now(name, raw, terminology))


def _read_now(
    name: str, raw: dict[str, Any], terminology: Terminology
) -> tuple[tuple[_Fact, ...], tuple[IgnoredResource, ...]]:
    skipped: list[IgnoredResource] = []
    found = _read(name, raw, terminology, skipped)
    return tuple(found), tuple(skipped)


READINGS_REMEMBERED = 4096
_READINGS: ContentMemo[tuple[tuple[_Fact, ...], tuple[IgnoredResource, ...]]] = ContentMemo(
    READINGS_REMEMBERED
)
"""The one module-level cache of this package (see `_read_remembered`)."""


def _read(
    name: str, raw: dict[str, Any], terminology: Terminology, ignored: list[IgnoredResource]
) -> list[_Fact]:
    kind = raw.get("resourceType")
    if kind not in READ_TYPES:
        what = f"a {kind}" if isinstance(kind, str) else "a resource without resourceType"
        reason = f"{what} carries no profile facts (Condition, Observation and Procedure are read)"
        ignored.append(IgnoredResource(resource=name, reason=reason))
        return []
    try:
        resource = get_fhir_model_class(kind).model_validate(raw)
    except ValidationError as error:
        ignored.append(IgnoredResource(resource=name, reason=_invalid(kind, error)))
        return []
    except (ValueError, TypeError, RecursionError) as error:
        reason = f"not a valid FHIR R4 {kind}: {error.__class__.__name__}"
        ignored.append(IgnoredResource(resource=name, reason=reason))
        return []
    if isinstance(resource, Condition):
        return _condition_facts(name, resource, terminology, ignored)
    if isinstance(resource, Observation):
        return _observation_facts(name, resource, terminology, ignored)
    assert isinstance(resource, Procedure)
    return _procedure_facts(name, resource, terminology, ignored)


def _invalid(kind: str, error: ValidationError) -> str:
    # Field and message only: the input values are patient data and stay out of the reason.
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or kind
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"not a valid FHIR R4 {kind}: {where}: {first['msg']}{more}"


def _condition_facts(
    name: str, condition: Condition, terminology: Terminology, ignored: list[IgnoredResource]
) -> list[_Fact]:
    for code in _codes(condition.verificationStatus, CONDITION_VERIFICATION):
        if code in _NOT_ASSERTED:
            reason = f"verificationStatus is {code}: the record does not assert this condition"
            ignored.append(IgnoredResource(resource=name, reason=reason))
            return []
    facts: list[_Fact] = []
    diseases: list[str] = []
    codings = _codings(condition.code)
    for coding in codings:
        entry = terminology.conditions.get(_key(coding))
        if entry is None:
            continue
        if entry.disease is not None:
            facts.append(_fact("disease", entry.disease, entry.disease, name, coding))
            diseases.append(entry.disease)
        for field, value in entry.sets.items():
            facts.append(_fact(field, value, entry.disease, name, coding))
    for coding in _codings(condition.clinicalStatus):
        if coding.system != CONDITION_CLINICAL or coding.code not in _REMISSION_BY_CLINICAL_STATUS:
            continue
        for disease in dict.fromkeys(diseases):
            value = _REMISSION_BY_CLINICAL_STATUS[coding.code]
            facts.append(_fact("in_remission", value, disease, name, coding))
    if not facts:
        ignored.append(IgnoredResource(resource=name, reason=_unmapped(codings)))
    return facts


def _observation_facts(
    name: str, observation: Observation, terminology: Terminology, ignored: list[IgnoredResource]
) -> list[_Fact]:
    if observation.status not in _RESULT_STATUSES:
        reason = (
            f"status is {observation.status}: only final, amended or corrected results are read"
        )
        ignored.append(IgnoredResource(resource=name, reason=reason))
        return []
    codings = _codings(observation.code)
    mapped = [
        (coding, entry)
        for coding in codings
        if (entry := terminology.observations.get(_key(coding))) is not None
    ]
    if not mapped:
        ignored.append(IgnoredResource(resource=name, reason=_unmapped(codings)))
        return []
    answers = [
        (coding, answer)
        for coding in _codings(observation.valueCodeableConcept)
        if (answer := terminology.answers.get(_key(coding))) is not None
    ]
    facts = []
    for coding, entry in mapped:
        for answer_coding, answer in answers:
            if answer.answer not in entry.values:
                continue
            said = f"{coding.display or entry.meaning}: {answer_coding.display or answer.meaning}"
            facts.append(
                _Fact(
                    field=entry.field,
                    value=entry.values[answer.answer],
                    disease=None,
                    resource=name,
                    system=entry.system,
                    code=entry.code,
                    display=said,
                )
            )
    if not facts:
        codes = ", ".join(f"{entry.code}" for _, entry in mapped)
        if answers:
            given = ", ".join(f"{answer.answer} ({coding.code})" for coding, answer in answers)
            what = f"its answer {given} sets no profile value for {codes} in the terminology map"
        elif observation.valueCodeableConcept is not None:
            what = f"its coded value is not an answer in the terminology map ({codes}: {_list(_codings(observation.valueCodeableConcept))})"
        else:
            what = f"it has no coded value (valueCodeableConcept) for {codes}"
        ignored.append(IgnoredResource(resource=name, reason=what))
    return facts


def _procedure_facts(
    name: str, procedure: Procedure, terminology: Terminology, ignored: list[IgnoredResource]
) -> list[_Fact]:
    if procedure.status != "completed":
        reason = f"status is {procedure.status}: only completed procedures are read"
        ignored.append(IgnoredResource(resource=name, reason=reason))
        return []
    codings = _codings(procedure.code)
    facts = [
        _fact(field, value, None, name, coding)
        for coding in codings
        if (entry := terminology.procedures.get(_key(coding))) is not None
        for field, value in entry.sets.items()
    ]
    if not facts:
        ignored.append(IgnoredResource(resource=name, reason=_unmapped(codings)))
    return facts


def _disease_reading(disease: str, facts: Sequence[_Fact]) -> DiseaseReading:
    """The profile of one disease: facts of this disease or of the patient, agreeing per field."""
    fields = field_domains(disease)
    relevant = list(dict.fromkeys(fact for fact in facts if fact.disease in (None, disease)))
    by_field: dict[str, list[_Fact]] = {}
    for fact in relevant:
        by_field.setdefault(fact.field, []).append(fact)
    values: dict[str, bool | str | None] = {}
    conflicts: list[Conflict] = []
    unused: dict[str, str] = {}
    for field in ("disease", *fields, *by_field):
        group = by_field.get(field)
        if not group or field in values or field in unused:
            continue
        distinct = list(dict.fromkeys(fact.value for fact in group))
        if field == "disease":
            values[field] = disease
        elif field not in fields:
            unused[field] = f"'{field}' is not a field of {disease} profiles"
        elif len(distinct) == 1:
            values[field] = distinct[0]
        else:
            shown = [_text(value) for value in distinct]
            resources = tuple(dict.fromkeys(fact.resource for fact in group))
            conflicts.append(Conflict(field=field, values=tuple(shown), resources=resources))
            unused[field] = f"the record disagrees ({' vs '.join(shown)}): left unknown"
    facts_by_field = {field: value for field, value in values.items() if field != "disease"}
    profile = profile_from_facts(disease, facts_by_field)
    evidence = tuple(
        Evidence(
            field=fact.field,
            value=fact.value,
            resource=fact.resource,
            system=fact.system,
            code=fact.code,
            display=fact.display,
            used=fact.field not in unused,
            reason=unused.get(fact.field),
        )
        for fact in relevant
    )
    return DiseaseReading(
        disease=disease,
        profile=profile.model_dump(mode="json"),
        evidence=evidence,
        unknown=unknown_fields(disease, facts_by_field),
        conflicts=tuple(conflicts),
    )


def _fact(
    field: str, value: bool | str, disease: str | None, resource: str, coding: Coding
) -> _Fact:
    return _Fact(
        field=field,
        value=value,
        disease=disease,
        resource=resource,
        system=coding.system or "",
        code=coding.code or "",
        display=coding.display,
    )


def _codings(concept: CodeableConcept | None) -> list[Coding]:
    return [coding for coding in (concept.coding or []) if coding.code] if concept else []


def _codes(concept: CodeableConcept | None, system: str) -> list[str]:
    return [coding.code or "" for coding in _codings(concept) if coding.system == system]


def _key(coding: Coding) -> tuple[str, str]:
    return (coding.system or "", (coding.code or "").strip())


def _unmapped(codings: Sequence[Coding]) -> str:
    if not codings:
        return "it has no coding to look up (only text, or no code)"
    return f"none of its codes is in the terminology map ({_list(codings)})"


def _list(codings: Sequence[Coding]) -> str:
    shown = [f"{coding.system or '?'}|{coding.code}" for coding in codings[:_MAX_CODES_LISTED]]
    extra = len(codings) - len(shown)
    return ", ".join(shown) + (f" and {extra} more" if extra else "")


def _text(value: bool | str) -> str:
    return str(value).lower() if isinstance(value, bool) else value
