"""Helpers for the service tests: the real `pathway serve` process on a free loopback port, a small
FHIR server on loopback, and CDS Client keys and JWTs.

Every server here listens on 127.0.0.1 only and is stopped by the fixture that started it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `pathway serve` process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(args: Sequence[str] = (), *, tmp: Path, ready_status: int = 200) -> Iterator[Server]:
    """`python -m engine serve --port P ARGS`, waiting until it answers GET /healthz with
    `ready_status`; stopped (and reaped) on exit."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    command = [sys.executable, "-m", "engine", "serve", "--port", str(port), *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=sink, stderr=sink)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"pathway serve exited {process.returncode}: {server.stderr()}"
                )
            try:
                if httpx.get(server.url + "/healthz", timeout=2).status_code == ready_status:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"pathway serve did not start: {server.stderr()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- FHIR resources as EHRs write them ------------------------------------------------------------

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def condition(
    ident: str, system: str, code: str, display: str, patient: str = "p1"
) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{patient}"},
        "recordedDate": "2025-03-02",
    }


def flt3_observation(ident: str, present: bool, patient: str = "p1") -> dict[str, Any]:
    answer = ("LA9633-4", "Present") if present else ("LA9634-2", "Absent")
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": LOINC,
                    "code": "79210-1",
                    "display": "FLT3 gene internal tandem duplication [Presence] in Blood or Tissue by Molecular genetics method",
                }
            ]
        },
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": "2025-03-01",
        "valueCodeableConcept": {
            "coding": [{"system": LOINC, "code": answer[0], "display": answer[1]}]
        },
    }


def transplant_procedure(ident: str, patient: str = "p1") -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": ident,
        "status": "completed",
        "code": {
            "coding": [
                {
                    "system": SNOMED,
                    "code": "234336002",
                    "display": "Hemopoietic stem cell transplant",
                }
            ]
        },
        "subject": {"reference": f"Patient/{patient}"},
        "performedDateTime": "2025-06-15",
    }


def patient(ident: str = "p1") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": ident, "gender": "female", "birthDate": "1961-04-03"}


def searchset(*resources: dict[str, Any], base: str = "http://ehr.example/fhir") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def aml_flt3_after_transplant() -> dict[str, dict[str, Any]]:
    """The prefetch of the done-when case: AML in remission, FLT3-ITD present, transplanted."""
    return {
        "patient": patient(),
        "conditions": searchset(
            condition("c-aml", ICD10CM, "C92.01", "Acute myeloblastic leukemia, in remission")
        ),
        "observations": searchset(flt3_observation("o-flt3", present=True)),
        "procedures": searchset(transplant_procedure("pr-hsct")),
    }


def hook_request(prefetch: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": "p1"},
    }
    if prefetch is not None:
        request["prefetch"] = prefetch
    request.update(extra)
    return request


# --- A FHIR server on loopback --------------------------------------------------------------------


@dataclass
class FhirServer:
    """Serves searchset Bundles by resource type and records each request's path and token."""

    bundles: dict[str, dict[str, Any]]
    token: str
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""


@contextmanager
def fhir_server(bundles: dict[str, dict[str, Any]], token: str) -> Iterator[FhirServer]:
    state = FhirServer(bundles, token)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            split = urlsplit(self.path)
            state.requests.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._answer(401, {"resourceType": "OperationOutcome"})
                return
            resource_type = split.path.rsplit("/", 1)[-1]
            query = parse_qs(split.query)
            if resource_type not in state.bundles or query.get("patient") != ["p1"]:
                self._answer(404, {"resourceType": "OperationOutcome"})
                return
            self._answer(200, state.bundles[resource_type])

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/fhir"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --- CDS Client keys and JWTs ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClientKeys:
    ec_private: ec.EllipticCurvePrivateKey
    rsa_private: rsa.RSAPrivateKey

    def jwks(self) -> dict[str, Any]:
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec_private.public_key()))
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_private.public_key()))
        return {
            "keys": [
                {**ec_jwk, "kid": "ec-1", "alg": "ES384", "use": "sig"},
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS384", "use": "sig"},
            ]
        }


def client_keys() -> ClientKeys:
    return ClientKeys(
        ec.generate_private_key(ec.SECP384R1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def client_jwt(
    keys: ClientKeys,
    audience: str,
    *,
    issuer: str = "https://ehr.example",
    algorithm: str = "ES384",
    lifetime: int = 300,
    jti: str | None = None,
) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "sub": "client-1",
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti or str(uuid.uuid4()),
    }
    key: Any = keys.ec_private if algorithm == "ES384" else keys.rsa_private
    kid = "ec-1" if algorithm == "ES384" else "rsa-1"
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid, "typ": "JWT"})
