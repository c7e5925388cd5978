"""CDS Hooks client authentication: every call carries `Authorization: Bearer <JWT>` signed by a
trusted CDS Client (CDS Hooks 2.0, "Trusting CDS Clients").

What is checked, and why:
- the signature, with a key of the configured JWK Set only. The token's `jku` header is not
  followed: fetching keys from a URL the caller names would let any caller bring its own key.
- the algorithm: ES384 or RS384, as the specification names them. `none` and the HMAC family are
  refused outright; a public key must never double as an HMAC secret.
- `iss` in the allow-list; `aud` the URL of the endpoint called (or the service's base URL);
  `exp` in the future; `iat` present; `jti` not seen before (replay). A token may live at most
  MAX_LIFETIME_SECONDS, so the replay memory stays bounded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import jwt

from engine.errors import ErrorKind, InputError
from engine.service.problems import ApiError

ALGORITHMS = ("ES384", "RS384")
_KEY_TYPES = {"ES384": "EC", "RS384": "RSA"}
MAX_LIFETIME_SECONDS = 3600
"""The longest `exp - now` accepted; the specification expects lifetimes of minutes."""
_LEEWAY_SECONDS = 30
_REPLAY_MEMORY_MAX = 1_000_000


def load_jwks(source: str) -> dict[str, Any]:
    """A JWK Set from a file path or an http(s) URL; InputError names the source when unusable."""
    try:
        if source.startswith(("https://", "http://")):
            response = httpx.get(source, timeout=10.0)
            response.raise_for_status()
            data = response.json()
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, httpx.HTTPError, ValueError) as error:
        raise InputError(
            f"cannot read the JWK Set: {error}",
            'Give a JSON file or URL holding {"keys": [...]} with the CDS Client\'s public keys.',
            path=source,
            field="--jwks",
            kind=ErrorKind.INVALID_SERVICE_SETTINGS,
        ) from None
    keys = data.get("keys") if isinstance(data, dict) else None
    usable = [
        key for key in keys or () if isinstance(key, dict) and key.get("kty") in ("EC", "RSA")
    ]
    if not usable:
        raise InputError(
            "the JWK Set holds no EC or RSA public key",
            "CDS Hooks clients sign with ES384 or RS384; publish those public keys.",
            path=source,
            field="keys",
            kind=ErrorKind.INVALID_SERVICE_SETTINGS,
        )
    return {"keys": usable}


class JwtVerifier:
    """Verifies CDS Client JWTs against one JWK Set and an issuer allow-list, remembering each
    token id until it expires."""

    def __init__(self, jwks: dict[str, Any], issuers: Iterable[str]) -> None:
        self._keys: list[jwt.PyJWK] = []
        for data in jwks["keys"]:
            try:
                self._keys.append(jwt.PyJWK(data))
            except jwt.PyJWTError:
                continue  # a key of a kind we never accept (checked at load) or malformed
        self._issuers = frozenset(issuers)
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def verify(self, authorization: str | None, audiences: Iterable[str]) -> dict[str, Any]:
        """The token's claims; ApiError 401 saying what is wrong otherwise."""
        if not authorization:
            raise _unauthorized("no Authorization header; send 'Authorization: Bearer <JWT>'")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <JWT>'")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise _unauthorized(f"the bearer token is not a JWT: {error}") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise _unauthorized(
                f"algorithm {algorithm!r} is refused; sign with {' or '.join(ALGORITHMS)}"
            )
        key = self._key_for(header, str(algorithm))
        allowed_audiences = list(dict.fromkeys(audiences))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[str(algorithm)],
                audience=allowed_audiences,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("the token has expired (exp)") from None
        except jwt.InvalidAudienceError:
            raise _unauthorized(
                f"the token's aud is not this endpoint; expected {allowed_audiences[0]}"
            ) from None
        except jwt.PyJWTError as error:
            raise _unauthorized(f"the token is not valid: {error}") from None
        issuer = claims.get("iss")
        if issuer not in self._issuers:
            raise _unauthorized(f"issuer {issuer!r} is not trusted by this service")
        self._check_lifetime_and_replay(claims)
        return claims

    def _key_for(self, header: dict[str, Any], algorithm: str) -> jwt.PyJWK:
        kid = header.get("kid")
        candidates = [
            key
            for key in self._keys
            if key.key_type == _KEY_TYPES[algorithm] and (kid is None or key.key_id == kid)
        ]
        if not candidates:
            raise _unauthorized(f"no trusted {algorithm} key with kid {kid!r}")
        return candidates[0]

    def _check_lifetime_and_replay(self, claims: dict[str, Any]) -> None:
        expires = claims["exp"]
        jti = claims["jti"]
        now = time.time()
        if not isinstance(jti, str) or not jti:
            raise _unauthorized("the token's jti must be a non-empty string")
        if not isinstance(expires, int | float) or expires - now > MAX_LIFETIME_SECONDS:
            raise _unauthorized(
                f"the token lives longer than {MAX_LIFETIME_SECONDS} seconds; use a short exp"
            )
        with self._lock:
            if now >= self._next_purge:
                self._seen = {key: exp for key, exp in self._seen.items() if exp + 60 > now}
                self._next_purge = now + 60
            if jti in self._seen:
                raise _unauthorized("the token was already used (jti replayed)")
            if len(self._seen) >= _REPLAY_MEMORY_MAX:
                raise _unauthorized("too many live tokens; retry with a new token shortly")
            self._seen[jti] = float(expires)


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, message, kind="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="cds"'}
    )
