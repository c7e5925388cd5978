"""The FastAPI application: CDS Hooks routes, the JSON API, and the error answers.

Bodies are read by `engine.service.body` rather than by FastAPI, so that size, repeated keys and
nesting are refused the same way everywhere; the request schemas are still published in the
OpenAPI document (see `_publish_request_bodies`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import PathwayError
from engine.inputs.profile_input import describe_validation_error
from engine.interop.fhir import profile_from_fhir
from engine.interop.terminology import Terminology, load_terminology
from engine.reasoning.batch import explain_jsonl, read_lines
from engine.reasoning.explainer import cached_explanation, default_rulebase, validate_profile
from engine.rulebase.loader import load_rulebase
from engine.rulebase.model import Rulebase
from engine.service import cds
from engine.service.auth import RequireClientJwt
from engine.service.body import read_body, read_json_object
from engine.service.cds_models import (
    CardsResponse,
    DiscoveryResponse,
    FeedbackAnswer,
    FeedbackRequest,
    HookRequest,
)
from engine.service.problems import ApiError, ErrorBody
from engine.service.security import JwtVerifier, load_jwks
from engine.service.settings import ServiceSettings
from schemas.explanation import Explanation
from schemas.fhir_reading import FhirReading
from schemas.profile import PROFILE_MODELS, Profile

JSON = "application/json"
_LOG = logging.getLogger("pathway.serve")
JSON_LINES = "application/x-ndjson"


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: str
    rulebase_version: str


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorBody, "description": _STATUS_TEXT[status]} for status in statuses
    }


_STATUS_TEXT = {
    400: "Malformed body: not JSON, not an object, a repeated key, nested too deeply.",
    401: "Missing or invalid client JWT (only when the server requires one).",
    404: "No such CDS service.",
    412: "The record was neither prefetched nor fetchable from fhirServer.",
    413: "Body larger than 1,000,000 bytes.",
    422: "Invalid profile or record; every field to blame is named.",
}
_BODIES = (400, 401, 413)


class _State:
    """What the routes share in one server process."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.rulebase: Rulebase = (
            load_rulebase(settings.rules) if settings.rules else default_rulebase()
        )
        self.terminology: Terminology | None = (
            load_terminology(settings.terminology) if settings.terminology else None
        )
        self.http = httpx.AsyncClient()
        self._feedback_lock = threading.Lock()
        self.feedback_total = 0
        # Rendered JSON by explanation; the explanation memo returns the same object for the same
        # profile, and holding it here keeps its id valid.
        self._rendered: dict[int, tuple[Explanation, bytes]] = {}
        self.health = Health(status="ok", rulebase_version=self.rulebase.version).model_dump_json()

    def count_feedback(self, count: int) -> int:
        with self._feedback_lock:
            self.feedback_total += count
            return self.feedback_total

    def explanation_json(self, explanation: Explanation) -> bytes:
        entry = self._rendered.get(id(explanation))
        if entry is None:
            if len(self._rendered) >= 4096:
                self._rendered.clear()
            entry = (explanation, explanation.model_dump_json().encode())
            self._rendered[id(explanation)] = entry
        return entry[1]


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The application for `settings` (the defaults: open, bundled rules and terminology)."""
    settings = settings or ServiceSettings()
    state = _State(settings)
    app = FastAPI(
        title="Patient-pathway explainer",
        version=state.rulebase.version,
        description=(
            "Which leukemia maintenance-treatment options two Canadian Cancer Society pages "
            "describe for a patient, quoting the text: a CDS Hooks 2.0 patient-view service "
            "reading FHIR R4, and a JSON API. It explains documents; it never recommends, and it "
            "does not replace a doctor."
        ),
    )
    _add_error_handlers(app)
    _add_cds_routes(app, state)
    _add_api_routes(app, state)
    _publish_request_bodies(app)
    if settings.jwks:
        verifier = JwtVerifier(load_jwks(settings.jwks), settings.issuers)
        app.add_middleware(RequireClientJwt, verifier=verifier, public_url=settings.public_url)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn imports in each worker (`pathway serve`)."""
    return create_app(ServiceSettings.from_environment())


def _error_response(error: ApiError) -> JSONResponse:
    body = ErrorBody(error=error.message, kind=error.kind, fields=error.fields)
    return JSONResponse(body.model_dump(mode="json"), error.status, headers=error.headers)


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return _error_response(error)

    async def http_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        kind = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        return _error_response(ApiError(error.status_code, str(error.detail), kind=kind))

    async def validation_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        fields = tuple(".".join(str(p) for p in e["loc"]) for e in error.errors())
        message = "; ".join(
            f"'{f}': {e['msg']}" for f, e in zip(fields, error.errors(), strict=True)
        )
        return _error_response(ApiError(400, f"malformed request: {message}", fields))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def _add_cds_routes(app: FastAPI, state: _State) -> None:
    discovery_json = cds.discovery().model_dump_json()

    @app.get(
        "/cds-services",
        tags=["CDS Hooks"],
        summary="CDS Hooks discovery",
        response_class=Response,
        responses={
            200: {"model": DiscoveryResponse, "description": "The services."},
            **_errors(401),
        },
    )
    async def discover() -> Response:
        return Response(discovery_json, media_type=JSON)

    @app.post(
        "/cds-services/{service_id}",
        tags=["CDS Hooks"],
        summary="Call the patient-view service",
        response_class=Response,
        responses={
            200: {
                "model": CardsResponse,
                "description": "One card per option that applies or "
                "needs information; none when the record holds no leukemia the pages cover.",
            },
            **_errors(*_BODIES, 404, 412, 422),
        },
        openapi_extra={"x-request-model": "HookRequest"},
    )
    async def call_service(service_id: str, request: Request) -> Response:
        _known_service(service_id)
        hook = cds.parse_hook_request(await read_json_object(request, "a CDS Hooks request"))
        resources = await cds.record_resources(hook, state.http, state.settings.fhir_servers)
        cards = _map_errors(
            lambda: cds.cards_for_record(resources, state.rulebase, state.terminology)
        )
        return Response(CardsResponse(cards=tuple(cards)).model_dump_json(), media_type=JSON)

    @app.post(
        "/cds-services/{service_id}/feedback",
        tags=["CDS Hooks"],
        summary="Feedback on cards",
        response_class=Response,
        responses={
            200: {"model": FeedbackAnswer, "description": "Counted."},
            **_errors(*_BODIES, 404),
        },
        openapi_extra={"x-request-model": "FeedbackRequest"},
    )
    async def feedback(service_id: str, request: Request) -> Response:
        _known_service(service_id)
        document = await read_json_object(request, "CDS Hooks feedback")
        try:
            parsed = FeedbackRequest.model_validate(document)
        except ValidationError as error:
            raise _malformed(error, "malformed feedback") from None
        total = state.count_feedback(len(parsed.feedback))
        answer = FeedbackAnswer(received=len(parsed.feedback), total=total)
        return Response(answer.model_dump_json(), media_type=JSON)


def _known_service(service_id: str) -> None:
    if service_id != cds.SERVICE_ID:
        raise ApiError(
            404,
            f"no CDS service '{service_id}'; this server offers '{cds.SERVICE_ID}' "
            "(see GET /cds-services)",
            kind="unknown-service",
        )


def _malformed(error: ValidationError, what: str) -> ApiError:
    fields = tuple(".".join(str(p) for p in e["loc"]) for e in error.errors())
    message = "; ".join(f"'{f}': {e['msg']}" for f, e in zip(fields, error.errors(), strict=True))
    return ApiError(400, f"{what}: {message}", fields, kind="malformed-request")


def _map_errors(action: Any) -> Any:
    """Runs the FHIR mapping, turning its refusals into 422s that say what is wrong."""
    try:
        return action()
    except ApiError:
        raise
    except PathwayError as error:
        raise ApiError(422, str(error), kind=getattr(error, "kind", "unreadable-record")) from None
    except (ValueError, TypeError) as error:
        raise ApiError(
            422, f"the record cannot be read: {error}", kind="unreadable-record"
        ) from None
    except Exception as error:
        # A record the mapping did not foresee: the client learns its record could not be read
        # (a 4xx, not a 500), and the traceback goes to the server log for the maintainers.
        _LOG.exception("the FHIR mapping failed on a record")
        raise ApiError(
            422,
            f"the record cannot be read ({type(error).__name__}); the server log has details",
            kind="unreadable-record",
        ) from None


def _add_api_routes(app: FastAPI, state: _State) -> None:
    schema_json = TypeAdapter(Profile).json_schema()

    @app.post(
        "/explain",
        tags=["JSON API"],
        summary="Explain one profile",
        response_class=Response,
        responses={
            200: {"model": Explanation, "description": "As `pathway explain --format json`."},
            **_errors(*_BODIES, 422),
        },
        openapi_extra={"x-request-model": "Profile"},
    )
    async def explain_profile(request: Request) -> Response:
        document = await read_json_object(request, "one profile")
        try:
            profile = validate_profile(document, state.rulebase.diseases)
        except ValidationError as error:
            raise invalid_profile(error, document) from None
        explanation = cached_explanation(state.rulebase, profile)
        return Response(state.explanation_json(explanation), media_type=JSON)

    @app.post(
        "/explain/batch",
        tags=["JSON API"],
        summary="Explain JSON Lines",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "One JSON line per input line, in order, as "
                "`pathway explain --batch`: {line, id, explanation} or {line, id, error, field}.",
                "content": {JSON_LINES: {"schema": {"type": "string"}}},
            },
            **_errors(401, 413),
        },
        openapi_extra={"x-request-model": "JsonLines"},
    )
    async def explain_batch(request: Request) -> StreamingResponse:
        import io

        raw = await read_body(request)

        def lines() -> Iterator[str]:
            for line in explain_jsonl(read_lines(io.BytesIO(raw)), state.rulebase):
                yield line + "\n"

        return StreamingResponse(lines(), media_type=JSON_LINES)

    @app.post(
        "/fhir/profile",
        tags=["JSON API"],
        summary="Read a FHIR R4 Bundle into profiles",
        response_class=Response,
        responses={
            200: {
                "model": FhirReading,
                "description": "The profiles, with the evidence "
                "for each fact, the unknowns, the conflicts and what was ignored.",
            },
            **_errors(*_BODIES, 422),
        },
        openapi_extra={"x-request-model": "Bundle"},
    )
    async def fhir_profile(request: Request) -> Response:
        document = await read_json_object(request, "a FHIR Bundle")
        reading = _map_errors(lambda: profile_from_fhir(document, terminology=state.terminology))
        return Response(reading.model_dump_json(), media_type=JSON)

    @app.get(
        "/schema",
        tags=["JSON API"],
        summary="The profile's JSON Schema",
        responses=_errors(401),
    )
    async def schema() -> dict[str, Any]:
        return schema_json

    @app.get(
        "/healthz",
        tags=["JSON API"],
        summary="Liveness",
        response_class=Response,
        responses={200: {"model": Health, "description": "Up."}, **_errors(401)},
    )
    async def healthz() -> Response:
        return Response(state.health, media_type=JSON)


def invalid_profile(error: ValidationError, document: dict[str, Any]) -> ApiError:
    """422 naming each field to blame, with the CLI's wording."""
    message, _ = describe_validation_error(error, document)
    fields = []
    for detail in error.errors():
        loc = [str(part) for part in detail["loc"] if part not in PROFILE_MODELS]
        fields.append(".".join(loc) or "disease")
    return ApiError(
        422, f"invalid profile: {message}", tuple(dict.fromkeys(fields)), kind="invalid-profile"
    )


_BUNDLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4 Bundle (e.g. a searchset) of Condition, Observation and "
    "Procedure resources.",
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "type": {"type": "string"},
        "entry": {
            "type": "array",
            "items": {"type": "object", "properties": {"resource": {"type": "object"}}},
        },
    },
}
_REQUEST_MODELS: dict[str, Any] = {
    "HookRequest": HookRequest,
    "FeedbackRequest": FeedbackRequest,
    "Profile": Profile,
}


def _publish_request_bodies(app: FastAPI) -> None:
    """Routes read their bodies themselves; this puts each body's schema into the OpenAPI
    document (marked by `x-request-model` on the route)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = original()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for path_item in document["paths"].values():
            for operation in path_item.values():
                name = operation.pop("x-request-model", None)
                if name is None:
                    continue
                operation["requestBody"] = {
                    "required": True,
                    "content": _body_content(name, components),
                }
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _body_content(name: str, components: dict[str, Any]) -> dict[str, Any]:
    if name == "JsonLines":
        return {JSON_LINES: {"schema": {"type": "string", "description": "One profile per line."}}}
    if name == "Bundle":
        return {JSON: {"schema": _BUNDLE_SCHEMA}}
    schema = TypeAdapter(_REQUEST_MODELS[name]).json_schema(
        ref_template="#/components/schemas/Request{model}"
    )
    for definition, body in schema.pop("$defs", {}).items():
        components[f"Request{definition}"] = body
    return {JSON: {"schema": schema}}
