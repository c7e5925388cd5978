"""The JSON API of `pathway serve`, over HTTP on the real server process: it agrees with the library
and the CLI, and bad input is a 4xx naming what is wrong, never a 5xx."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from engine import explain
from engine.interop.fhir import profile_from_fhir
from schemas.profile import Profile
from tests.serving import PROJECT_ROOT, Server, aml_flt3_after_transplant, searchset, serve

PROFILES = [
    {
        "disease": "AML",
        "in_remission": True,
        "flt3_mutation": True,
        "transplant_status": "received",
    },
    {"disease": "AML", "cytogenetic_risk": "intermediate", "transplant_status": "ineligible"},
    {"disease": "ALL", "subtype": "b_cell", "ph_status": "positive"},
    {"disease": "all", "subtype": "burkitt"},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp=tmp_path_factory.mktemp("api")) as running:
        yield running


def post(server: Server, path: str, content: bytes | str, **headers: str) -> httpx.Response:
    return httpx.post(server.url + path, content=content, headers=headers, timeout=30)


def cli(*args: str, stdin: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "engine", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_healthz(server: Server) -> None:
    response = httpx.get(server.url + "/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("profile", PROFILES)
def test_explain_agrees_with_the_library_and_the_cli(
    server: Server, profile: dict[str, Any]
) -> None:
    response = post(server, "/explain", json.dumps(profile), **{"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(explain(profile).model_dump_json())
    assert response.json() == json.loads(
        cli("explain", "-", "--format", "json", stdin=json.dumps(profile))
    )


def test_batch_streams_the_same_lines_as_the_cli(server: Server) -> None:
    lines = [json.dumps({**p, "id": n}) for n, p in enumerate(PROFILES)]
    lines += ['{"disease": "AML", "flt3": true}', "[1]", "not json", "", '{"a": 1, "a": 2}']
    body = "\n".join(lines) + "\n"
    response = post(server, "/explain/batch", body, **{"content-type": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    expected = cli("explain", "--batch", "-", stdin=body)
    assert response.text == expected
    assert len(response.text.splitlines()) == len(lines)


def test_invalid_profile_is_422_naming_each_field(server: Server) -> None:
    body = {"disease": "AML", "flt3": True, "transplant_status": "maybe"}
    response = post(server, "/explain", json.dumps(body))
    assert response.status_code == 422
    error = response.json()
    assert sorted(error["fields"]) == ["flt3", "transplant_status"]
    assert "'maybe'" in error["error"]
    assert "did you mean 'flt3_mutation'" in error["error"]
    assert post(server, "/explain", '{"disease": "CML"}').json()["fields"] == ["disease"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"AML"', "must be a JSON object"),
        (b"", "empty"),
        (b'{"disease": "AML", "disease": "ALL"}', "'disease' is repeated"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"a":' * 100 + b"1" + b"}" * 100, "nested more than"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/explain", "/fhir/profile", "/cds-services/leukemia-maintenance-pathway"]
)
def test_malformed_bodies_are_400(server: Server, path: str, body: bytes, words: str) -> None:
    response = post(server, path, body)
    assert response.status_code == 400, response.text
    assert words in response.json()["error"]


@pytest.mark.parametrize("path", ["/explain", "/explain/batch", "/fhir/profile"])
def test_bodies_over_a_million_bytes_are_413(server: Server, path: str) -> None:
    body = json.dumps({"disease": "AML", "padding": "x" * 1_000_000})
    response = post(server, path, body)
    assert response.status_code == 413
    assert "1,000,000 bytes" in response.json()["error"]


def test_fhir_profile_agrees_with_the_library(server: Server) -> None:
    record = aml_flt3_after_transplant()
    bundle = searchset(
        *(
            entry["resource"]
            for key in ("conditions", "observations", "procedures")
            for entry in record[key]["entry"]
        )
    )
    response = post(server, "/fhir/profile", json.dumps(bundle))
    assert response.status_code == 200, response.text
    reading = response.json()
    assert reading == json.loads(profile_from_fhir(bundle).model_dump_json())
    (aml,) = reading["profiles"]
    assert aml["disease"] == "AML"
    assert aml["profile"]["flt3_mutation"] is True
    assert aml["profile"]["transplant_status"] == "received"
    assert aml["profile"]["in_remission"] is True


def test_fhir_profile_reports_invalid_resources_instead_of_failing(server: Server) -> None:
    bundle = searchset({"resourceType": "Observation", "id": "broken", "status": 12})
    response = post(server, "/fhir/profile", json.dumps(bundle))
    assert response.status_code == 200, response.text
    (ignored,) = response.json()["ignored"]
    assert "broken" in ignored["resource"]


def test_schema_is_the_profile_json_schema(server: Server) -> None:
    response = httpx.get(server.url + "/schema")
    assert response.status_code == 200
    assert response.json() == TypeAdapter(Profile).json_schema()


def test_openapi_and_docs(server: Server) -> None:
    document = httpx.get(server.url + "/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/explain",
        "/explain/batch",
        "/fhir/profile",
        "/schema",
        "/healthz",
        "/cds-services",
    ):
        assert path in paths
    explain_body = paths["/explain"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "oneOf" in json.dumps(explain_body) or "anyOf" in json.dumps(explain_body)
    assert "422" in paths["/explain"]["post"]["responses"]
    docs = httpx.get(server.url + "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_unknown_path_and_method_are_json_4xx(server: Server) -> None:
    missing = httpx.get(server.url + "/nothing-here")
    assert missing.status_code == 404 and missing.json()["kind"] == "not-found"
    wrong = httpx.get(server.url + "/explain")
    assert wrong.status_code == 405 and "error" in wrong.json()
