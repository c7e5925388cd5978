"""Fuzzing `pathway serve` from its own OpenAPI document (schemathesis): for every operation,
generated requests (valid and invalid) never get a 5xx, and every documented answer matches its
schema. Bounded: a fixed number of examples per operation, all to 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.serving import Server, serve

EXAMPLES_PER_OPERATION = 40

# The batch endpoint takes JSON Lines; its schema is a string, sent as text.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Fetches are allowed only from a closed loopback port, so that no generated fhirServer URL
    # makes the service call out.
    args = ["--fhir-server", "http://127.0.0.1:9/"]
    with serve(args, tmp=tmp_path_factory.mktemp("fuzz")) as running:
        yield running


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_answers_match_the_schema(
    server: Server, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    fuzzed = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=server.url,
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        try:
            check()
        except Unsatisfiable:
            # An operation with nothing to get wrong (a GET without parameters) has no invalid
            # requests to generate.
            assert mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET"
            continue
        fuzzed.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /cds-services/{service_id}" in fuzzed
    assert "POST /explain" in fuzzed
