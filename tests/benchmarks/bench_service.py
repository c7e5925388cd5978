"""`make bench`: `pathway serve` under load on loopback, against the targets of issue 10.

Starts the real server (one worker), then for each endpoint keeps 32 HTTP/1.1 keep-alive
connections busy for a fixed number of requests (bounded in time too) and reports requests/s and
p50/p99 latency. The floor is GET /healthz, a constant answer on the same stack, measured in the
same run. The client is raw asyncio sockets with pre-built requests, so that it costs far less
than the server it measures. Not collected by pytest. Exits 1 if a target is missed.
Run: `.venv/bin/python tests/benchmarks/bench_service.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from tests.serving import (  # noqa: E402
    ICD10CM,
    SNOMED,
    condition,
    flt3_observation,
    hook_request,
    patient,
    searchset,
    serve,
    transplant_procedure,
)

CONNECTIONS = 32
REQUESTS = int(os.environ.get("BENCH_SERVICE_REQUESTS", "4000"))
WARMUP = 300
SECONDS_MAX = 30.0
PROFILE = {
    "disease": "AML",
    "in_remission": True,
    "flt3_mutation": True,
    "transplant_status": "received",
}


def ten_resource_prefetch() -> dict[str, object]:
    """A patient-view prefetch of ten resources, as an EHR would send it."""
    return {
        "patient": patient(),
        "conditions": searchset(
            condition("c-aml", ICD10CM, "C92.01", "Acute myeloblastic leukemia, in remission"),
            condition("c-htn", SNOMED, "38341003", "Hypertensive disorder"),
            condition("c-dm", SNOMED, "44054006", "Diabetes mellitus type 2"),
        ),
        "observations": searchset(
            flt3_observation("o-flt3", present=True),
            flt3_observation("o-flt3-repeat", present=True),
            {**flt3_observation("o-prelim", present=False), "status": "preliminary"},
            {
                **flt3_observation("o-hb", present=True),
                "code": {
                    "coding": [
                        {
                            "system": "http://loinc.org",
                            "code": "718-7",
                            "display": "Hemoglobin [Mass/volume] in Blood",
                        }
                    ]
                },
                "valueQuantity": {"value": 11.2, "unit": "g/dL"},
                "valueCodeableConcept": None,
            },
        ),
        "procedures": searchset(
            transplant_procedure("pr-hsct"),
            {
                **transplant_procedure("pr-bx"),
                "code": {"coding": [{"system": SNOMED, "code": "86273004", "display": "Biopsy"}]},
            },
        ),
    }


def _strip_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def build_request(method: str, path: str, port: int, body: bytes | None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = head[9:12]
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    if status != b"200":
        raise RuntimeError(f"HTTP {status.decode()}: {head.decode(errors='replace')}")


async def load(name: str, port: int, request: bytes, total: int) -> Result:
    latencies: list[float] = []
    remaining = [total]
    deadline = time.perf_counter() + SECONDS_MAX

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining[0] > 0 and time.perf_counter() < deadline:
                remaining[0] -= 1
                started = time.perf_counter()
                await _one(reader, writer, request)
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return Result(name, len(latencies), time.perf_counter() - start, latencies)


async def measure(port: int) -> list[Result]:
    hook = json.dumps(hook_request(_strip_nulls(ten_resource_prefetch()))).encode()  # type: ignore[arg-type]
    scenarios = [
        ("floor: GET /healthz", build_request("GET", "/healthz", port, None)),
        ("POST /explain", build_request("POST", "/explain", port, json.dumps(PROFILE).encode())),
        (
            "POST patient-view (10 resources)",
            build_request("POST", "/cds-services/leukemia-maintenance-pathway", port, hook),
        ),
    ]
    results = []
    for name, request in scenarios:
        await load(name, port, request, WARMUP)
        results.append(await load(name, port, request, REQUESTS))
    return results


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, serve(tmp=Path(tmp)) as server:
        port = int(server.url.rsplit(":", 1)[1])
        results = asyncio.run(measure(port))
    floor = results[0].rate
    targets = {"POST /explain": 0.50, "POST patient-view (10 resources)": 0.25}
    print(
        f"pathway serve on 127.0.0.1, 1 worker, {CONNECTIONS} connections, {REQUESTS} requests "
        f"per endpoint (Python {platform.python_version()}, {os.cpu_count()} CPUs)"
    )
    header = f"{'endpoint':36} {'req/s':>8} {'of floor':>9} {'p50 ms':>7} {'p99 ms':>7}  met"
    print(header)
    print("-" * len(header))
    failed = False
    for result in results:
        ratio = result.rate / floor
        p50, p99 = result.percentile(0.50), result.percentile(0.99)
        goal = targets.get(result.name)
        met = p99 < 50 and (goal is None or ratio >= goal)
        verdict = "yes" if met else "NO"
        target = f" (target ≥ {goal:.0%}, p99 < 50 ms)" if goal else " (p99 < 50 ms)"
        failed |= not met
        print(
            f"{result.name:36} {result.rate:8,.0f} {ratio:9.0%} {p50:7.1f} {p99:7.1f}  {verdict}{target}"
        )
    mean = statistics.mean(results[0].latencies) * 1000
    print(f"floor mean latency {mean:.1f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
