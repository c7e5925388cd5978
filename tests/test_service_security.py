"""CDS Client authentication, loopback binding and CORS, on the real `pathway serve` process."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.serving import (
    PROJECT_ROOT,
    ClientKeys,
    Server,
    aml_flt3_after_transplant,
    client_jwt,
    client_keys,
    free_port,
    hook_request,
    serve,
)

ISSUER = "https://ehr.example"
SERVICE = "/cds-services/leukemia-maintenance-pathway"
PORTAL = "https://portal.example"


@pytest.fixture(scope="module")
def keys() -> ClientKeys:
    return client_keys()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, keys: ClientKeys) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("jwt")
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps(keys.jwks()), encoding="utf-8")
    args = [
        "--jwks",
        str(jwks),
        "--issuer",
        ISSUER,
        "--issuer",
        "https://other.example",
        "--cors-origin",
        PORTAL,
    ]
    with serve(args, tmp=tmp, ready_status=401) as running:
        yield running


def get(server: Server, path: str, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.get(server.url + path, headers=headers, timeout=30)


def test_every_call_needs_a_token(server: Server) -> None:
    for path in ("/cds-services", "/healthz", "/openapi.json", "/docs", "/schema"):
        response = get(server, path, None)
        assert response.status_code == 401, path
        assert "Authorization" in response.json()["error"]
        assert response.headers["www-authenticate"].startswith("Bearer")
    call = httpx.post(server.url + SERVICE, json=hook_request(aml_flt3_after_transplant()))
    assert call.status_code == 401


def test_es384_token_for_discovery_is_accepted(server: Server, keys: ClientKeys) -> None:
    token = client_jwt(keys, server.url + "/cds-services")
    response = get(server, "/cds-services", token)
    assert response.status_code == 200
    assert response.json()["services"][0]["hook"] == "patient-view"


def test_rs384_token_for_the_service_is_accepted(server: Server, keys: ClientKeys) -> None:
    token = client_jwt(
        keys, server.url + SERVICE, algorithm="RS384", issuer="https://other.example"
    )
    response = httpx.post(
        server.url + SERVICE,
        json=hook_request(aml_flt3_after_transplant()),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert any(card["extension"]["option"] == "aml-sorafenib" for card in response.json()["cards"])


def test_the_base_url_is_accepted_as_audience(server: Server, keys: ClientKeys) -> None:
    assert get(server, "/healthz", client_jwt(keys, server.url)).status_code == 200


@pytest.mark.parametrize(
    ("token_for", "words"),
    [
        (lambda k, url: client_jwt(k, url + "/cds-services", lifetime=-120), "expired"),
        (
            lambda k, url: client_jwt(k, url + "/cds-services", issuer="https://evil.example"),
            "not trusted",
        ),
        (lambda k, url: client_jwt(k, url + SERVICE), "aud"),
        (lambda k, url: client_jwt(k, "https://elsewhere.example/cds-services"), "aud"),
        (lambda k, url: client_jwt(k, url + "/cds-services", lifetime=86_400), "longer than"),
        (lambda k, url: client_jwt(client_keys(), url + "/cds-services"), "not valid"),
    ],
    ids=["expired", "wrong-issuer", "other-endpoint", "other-service", "too-long", "untrusted-key"],
)
def test_bad_tokens_are_401(
    server: Server, keys: ClientKeys, token_for: object, words: str
) -> None:
    token = token_for(keys, server.url)  # type: ignore[operator]
    response = get(server, "/cds-services", token)
    assert response.status_code == 401
    assert words in response.json()["error"]


def test_a_replayed_token_is_401(server: Server, keys: ClientKeys) -> None:
    token = client_jwt(keys, server.url + "/cds-services", jti="once-only")
    assert get(server, "/cds-services", token).status_code == 200
    replay = get(server, "/cds-services", token)
    assert replay.status_code == 401
    assert "replayed" in replay.json()["error"]


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_401(server: Server) -> None:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": server.url + "/cds-services",
        "iat": now,
        "exp": now + 60,
        "jti": "n1",
    }
    token = f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."
    response = get(server, "/cds-services", token)
    assert response.status_code == 401
    assert "'none' is refused" in response.json()["error"]


def test_hmac_signed_with_the_public_key_is_401(server: Server, keys: ClientKeys) -> None:
    # The classic confusion attack: the public key used as an HMAC secret.
    public_pem = keys.rsa_private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": server.url + "/cds-services",
        "iat": now,
        "exp": now + 60,
        "jti": "h1",
    }
    header = _segment({"alg": "HS384", "typ": "JWT", "kid": "rsa-1"})
    import hashlib
    import hmac

    signing_input = f"{header}.{_segment(claims)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha384).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    response = get(server, "/cds-services", token)
    assert response.status_code == 401
    assert "'HS384' is refused" in response.json()["error"]
    assert jwt.get_unverified_header(token)["alg"] == "HS384"


def test_garbage_tokens_are_401(server: Server) -> None:
    for header in ("Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Bearer " + "a" * 5000):
        response = httpx.get(server.url + "/cds-services", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_cors_preflight_for_a_configured_origin(server: Server) -> None:
    preflight = httpx.options(
        server.url + SERVICE,
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    other = httpx.options(
        server.url + SERVICE,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", "serve", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
    )


def test_jwks_without_issuer_is_a_usage_error(tmp_path: Path) -> None:
    done = run_serve("--jwks", str(tmp_path / "jwks.json"))
    assert done.returncode == 2
    assert "--jwks and --issuer go together" in done.stderr


def test_an_unreadable_jwks_is_exit_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    done = run_serve("--jwks", str(missing), "--issuer", ISSUER)
    assert done.returncode == 2
    assert str(missing) in done.stderr and "Traceback" not in done.stderr
    hmac_only = tmp_path / "hmac.json"
    hmac_only.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}), encoding="utf-8")
    done = run_serve("--jwks", str(hmac_only), "--issuer", ISSUER)
    assert done.returncode == 2
    assert "no EC or RSA public key" in done.stderr


def test_binding_beyond_loopback_without_jwks_warns() -> None:
    # 192.0.2.1 (TEST-NET-1) is not on this machine: the warning comes first, then the bind fails,
    # so nothing is ever exposed.
    done = run_serve("--host", "192.0.2.1", "--port", str(free_port()))
    assert "warning: serving on 192.0.2.1 without --jwks" in done.stderr
    assert done.returncode != 0


def test_loopback_by_default_without_a_warning(tmp_path: Path) -> None:
    with serve(tmp=tmp_path) as running:
        assert running.url.startswith("http://127.0.0.1:")
        assert "warning" not in running.stderr()


def test_jwks_from_a_url_and_two_workers(tmp_path: Path, keys: ClientKeys) -> None:
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "jwks.json").write_text(json.dumps(keys.jwks()), encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        jwks_url = f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
        args = ["--jwks", jwks_url, "--issuer", ISSUER, "--workers", "2"]
        with serve(args, tmp=tmp_path, ready_status=401) as running:
            for _ in range(4):
                token = client_jwt(keys, running.url + "/cds-services")
                assert get(running, "/cds-services", token).status_code == 200
            assert "replayed once per worker" in running.stderr()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
