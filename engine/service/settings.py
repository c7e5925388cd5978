"""What `pathway serve` hands to each server process. Uvicorn starts its workers by importing the
app factory, so the settings travel as JSON in one environment variable."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

SETTINGS_VARIABLE = "PATHWAY_SERVE_SETTINGS"


@dataclass(frozen=True)
class ServiceSettings:
    """Everything a server process needs besides the socket; the defaults give an open,
    loopback-only service on the bundled rules and terminology map."""

    rules: str | None = None
    terminology: str | None = None
    jwks: str | None = None
    issuers: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    public_url: str | None = None
    fhir_servers: tuple[str, ...] = field(default=())
    """URL prefixes the service may fetch from; empty means any http(s) `fhirServer`."""

    def to_environment(self) -> dict[str, str]:
        return {SETTINGS_VARIABLE: json.dumps(asdict(self))}

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        raw = os.environ.get(SETTINGS_VARIABLE)
        if not raw:
            return cls()
        data = json.loads(raw)
        for name in ("issuers", "cors_origins", "fhir_servers"):
            data[name] = tuple(data.get(name) or ())
        return cls(**data)
