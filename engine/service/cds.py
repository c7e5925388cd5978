"""The CDS Hooks `patient-view` service: discovery, and a hook call turned into cards.

A call carries the record as prefetch (searchset Bundles under the keys the discovery document
names) or, for keys the client did not prefetch, the service fetches them from `fhirServer`. With
neither, the call fails with 412, as the specification asks."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import ValidationError

from engine.domain.vocabulary import disease_label
from engine.interop.fhir import profile_from_fhir
from engine.interop.memo import ContentMemo
from engine.interop.terminology import Terminology
from engine.reasoning.explainer import explain
from engine.rulebase.model import Rulebase
from engine.service.body import json_kind
from engine.service.cards import cards_for
from engine.service.cds_models import (
    Card,
    DiscoveryResponse,
    HookRequest,
    ServiceDescription,
)
from engine.service.fhir_client import allowed_server, fetch_searches
from engine.service.problems import ApiError
from schemas.profile import PROFILE_MODELS

SERVICE_ID = "leukemia-maintenance-pathway"
HOOK = "patient-view"
PATIENT_TEMPLATE = "{{context.patientId}}"
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
}
# The patient resource is asked for (EHRs commonly prefetch it) but no fact comes from it.
RECORD_KEYS = ("conditions", "observations", "procedures")


def discovery() -> DiscoveryResponse:
    """The discovery document: one `patient-view` service."""
    return DiscoveryResponse(
        services=(
            ServiceDescription(
                hook=HOOK,
                id=SERVICE_ID,
                title="Leukemia maintenance options described by the Canadian Cancer Society",
                description=(
                    f"For a patient with {' or '.join(map(disease_label, PROFILE_MODELS))} "
                    "on record, shows which maintenance-treatment options two Canadian Cancer "
                    "Society patient-education pages describe for the record, which facts are "
                    "missing, and the quoted sentences. It explains documents; it does not "
                    "recommend treatment and does not replace a doctor."
                ),
                prefetch=dict(PREFETCH),
                usageRequirements=(
                    "Prefetch conditions, observations and procedures, or grant read access to "
                    "them through fhirServer and fhirAuthorization."
                ),
            ),
        )
    )


def parse_hook_request(document: dict[str, Any]) -> HookRequest:
    """The request as a model; ApiError 400 naming each malformed member."""
    try:
        request = HookRequest.model_validate(document)
    except ValidationError as error:
        problems = [
            (".".join(str(part) for part in detail["loc"]), detail["msg"])
            for detail in error.errors()
        ]
        raise ApiError(
            400,
            "malformed CDS Hooks request: "
            + "; ".join(f"'{field}': {message}" for field, message in problems),
            tuple(field for field, _ in problems),
            kind="malformed-hook-request",
        ) from None
    if request.hook != HOOK:
        raise ApiError(
            400,
            f"hook '{request.hook}' is not served by '{SERVICE_ID}'; it serves '{HOOK}'",
            ("hook",),
            kind="wrong-hook",
        )
    if request.fhirAuthorization is not None and request.fhirServer is None:
        raise ApiError(
            400,
            "fhirAuthorization is given without fhirServer",
            ("fhirServer",),
            kind="malformed-hook-request",
        )
    unknown = sorted(set(request.prefetch or {}) - set(PREFETCH))
    if unknown:
        raise ApiError(
            400,
            f"prefetch key(s) {', '.join(map(repr, unknown))} were not asked for; this service "
            f"asks for {', '.join(PREFETCH)}",
            tuple(f"prefetch.{key}" for key in unknown),
            kind="unknown-prefetch-key",
        )
    return request


async def record_resources(
    request: HookRequest, client: httpx.AsyncClient, fhir_servers: Sequence[str]
) -> list[dict[str, Any]]:
    """The resources of the record: prefetched, or fetched for the keys not prefetched."""
    prefetch = request.prefetch or {}
    missing = [key for key in RECORD_KEYS if prefetch.get(key) is None]
    bundles: dict[str, dict[str, Any]] = {
        key: value for key, value in prefetch.items() if value is not None and key in RECORD_KEYS
    }
    if missing:
        if request.fhirServer is None:
            raise ApiError(
                412,
                f"prefetch {', '.join(map(repr, missing))} not given and no fhirServer to fetch "
                "it from; prefetch them or give fhirServer and fhirAuthorization",
                tuple(f"prefetch.{key}" for key in missing),
                kind="prefetch-missing",
            )
        if not allowed_server(request.fhirServer, fhir_servers):
            raise ApiError(
                412,
                f"this service does not fetch from fhirServer {request.fhirServer!r}; prefetch "
                f"{', '.join(map(repr, missing))} instead",
                ("fhirServer",),
                kind="fhir-server-not-allowed",
            )
        patient = request.context.patientId
        queries = {key: PREFETCH[key].replace(PATIENT_TEMPLATE, patient) for key in missing}
        token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
        bundles.update(await fetch_searches(client, request.fhirServer, token, queries))
    resources: list[dict[str, Any]] = []
    for key in RECORD_KEYS:
        for index, resource in enumerate(_resources_of(key, bundles[key])):
            _check_patient(resource, request.context.patientId, f"prefetch.{key}.entry.{index}")
            resources.append(resource)
    return resources


_PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient/([^/]+)(?:/_history/[^/]+)?$")


def _check_patient(resource: dict[str, Any], patient_id: str, where: str) -> None:
    """Refuses a resource about another patient: cards built from a mixed record would describe
    someone else's facts in this patient's chart."""
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    match = _PATIENT_REFERENCE.search(reference) if isinstance(reference, str) else None
    if match is not None and match.group(1) != patient_id:
        raise ApiError(
            400,
            f"{where} is about Patient/{match.group(1)}, but context.patientId is '{patient_id}'",
            (where,),
            kind="other-patient",
        )


def _resources_of(key: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    if value.get("resourceType") != "Bundle":
        if isinstance(value.get("resourceType"), str):
            return [value]
        raise ApiError(
            400,
            f"prefetch '{key}' must be a FHIR Bundle or resource (it has no resourceType)",
            (f"prefetch.{key}",),
            kind="malformed-prefetch",
        )
    entries = value.get("entry") or []
    if not isinstance(entries, list):
        raise ApiError(
            400,
            f"prefetch '{key}': Bundle.entry must be an array, not {json_kind(entries)}",
            (f"prefetch.{key}.entry",),
            kind="malformed-prefetch",
        )
    resources = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise ApiError(
                400,
                f"prefetch '{key}': entry {index} has no resource object",
                (f"prefetch.{key}.entry.{index}.resource",),
                kind="malformed-prefetch",
            )
        resources.append(resource)
    return resources


def cards_for_record(
    resources: list[dict[str, Any]], rulebase: Rulebase, terminology: Terminology | None
) -> list[Card]:
    """Map the record, explain each disease found, and answer its cards (each with a fresh
    uuid, as the feedback endpoint tells calls apart by it)."""
    return [
        card.model_copy(update={"uuid": str(uuid.uuid4())})
        for card in _RECORD_CARDS.get_or_build(
            (rulebase, terminology),
            hashlib.sha256(repr(resources).encode("utf-8")).hexdigest(),
            lambda: tuple(_cards_now(resources, rulebase, terminology)),
        )
    ]


_RECORD_CARDS: ContentMemo[tuple[Card, ...]] = ContentMemo(1024)
"""The cards of a record, remembered: an EHR calls patient-view each time a chart opens, with the
same resources until something is recorded. The key is the SHA-256 of the resources' repr (they
come from the strict JSON reader or the FHIR server's JSON, so equal content has an equal repr and
different content a different one) with the rulebase and the terminology map. Remembered cards
are frozen models; each answer gets new uuids."""


def _cards_now(
    resources: list[dict[str, Any]], rulebase: Rulebase, terminology: Terminology | None
) -> list[Card]:
    reading = profile_from_fhir(resources, terminology=terminology)
    cards: list[Card] = []
    for disease_reading in reading.profiles:
        profile = {**disease_reading.profile, "disease": disease_reading.disease}
        try:
            explanation = explain(profile, rulebase=rulebase)
        except ValidationError as error:
            # The mapping only sets profile fields; reaching this is a mapping defect, and the
            # client still gets a 4xx naming it rather than a 500.
            raise ApiError(
                422,
                f"the record maps to a profile the explainer refuses: {error}",
                kind="unmappable-record",
            ) from None
        cards.extend(cards_for(disease_reading, explanation, rulebase, reading.ignored))
    return cards
