"""The ASGI layer that asks every HTTP call for a valid CDS Client JWT, when the service was started
with `--jwks` and `--issuer`. It wraps the whole app, so discovery, the JSON API and the
documentation pages are covered alike; CORS preflights are answered outside it."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from engine.service.problems import ApiError
from engine.service.security import JwtVerifier


class RequireClientJwt:
    """Refuses (401, JSON body) any HTTP call whose bearer JWT the verifier does not accept."""

    def __init__(self, app: ASGIApp, verifier: JwtVerifier, public_url: str | None) -> None:
        self._app = app
        self._verifier = verifier
        self._public_url = public_url.rstrip("/") if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        base = self._public_url or _base_url(scope, headers)
        path = scope.get("root_path", "") + scope["path"]
        try:
            self._verifier.verify(headers.get("authorization"), (base + path, base))
        except ApiError as error:
            body = json.dumps(
                {"error": error.message, "kind": error.kind, "fields": list(error.fields)}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": error.status,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        *((k.lower().encode(), v.encode()) for k, v in error.headers.items()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self._app(scope, receive, send)


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"
