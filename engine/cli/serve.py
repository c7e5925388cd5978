"""`pathway serve`: the CDS Hooks service and JSON API over HTTP (uvicorn).

Without `--jwks`, anyone who can reach the port can call the service, so it binds to loopback by
default and warns when told to bind elsewhere. With `--jwks` and `--issuer`, every call needs a
JWT signed by a trusted CDS Client."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any

from engine.cli.common import EXIT_OK
from engine.errors import ErrorKind, InputError


def register(subparsers: Any) -> None:
    """Add the `serve` command."""
    parser = subparsers.add_parser(
        "serve", help="serve the CDS Hooks service and the JSON API over HTTP"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="server processes")
    parser.add_argument(
        "--terminology",
        metavar="FILE",
        help="a site's terminology map, extending or overriding the bundled one",
    )
    parser.add_argument(
        "--jwks", metavar="FILE|URL", help="JWK Set of the trusted CDS Clients' public keys"
    )
    parser.add_argument(
        "--issuer",
        metavar="ISS",
        action="append",
        default=[],
        help="a trusted JWT issuer (repeatable; required with --jwks)",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL clients call (the JWT audience's base; default http://HOST:PORT)",
    )
    parser.add_argument(
        "--cors-origin", metavar="ORIGIN", action="append", default=[], help="allowed origin"
    )
    parser.add_argument(
        "--fhir-server",
        metavar="URL",
        action="append",
        default=[],
        help="a FHIR server base the service may fetch from (repeatable; default: any)",
    )
    parser.set_defaults(handler=_serve, usage_error=parser.error)


def _serve(args: argparse.Namespace) -> int:
    # Imported here: `pathway --help` must not need the service's dependencies.
    import uvicorn

    from engine.service.settings import ServiceSettings

    if bool(args.jwks) != bool(args.issuer):
        args.usage_error("--jwks and --issuer go together: the keys and the issuers they sign for")
    if args.workers < 1:
        args.usage_error("--workers must be at least 1")
    if not 0 <= args.port <= 65535:
        args.usage_error("--port must be between 0 and 65535")
    public_url = args.public_url or f"http://{_url_host(args.host)}:{args.port}"
    settings = ServiceSettings(
        rules=args.rules,
        terminology=args.terminology,
        jwks=args.jwks,
        issuers=tuple(args.issuer),
        cors_origins=tuple(args.cors_origin),
        public_url=public_url,
        fhir_servers=tuple(args.fhir_server),
    )
    _check(settings)
    if not args.jwks and not _is_loopback(args.host):
        print(
            f"pathway: warning: serving on {args.host} without --jwks: anyone who can reach this "
            "port can call the service. Give --jwks and --issuer to require CDS Client JWTs.",
            file=sys.stderr,
        )
    if args.jwks and args.workers > 1:
        print(
            "pathway: warning: each worker remembers the JWT ids it has seen; with several "
            "workers a token can be replayed once per worker.",
            file=sys.stderr,
        )
    os.environ.update(settings.to_environment())
    uvicorn.run(
        "engine.service.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )
    return EXIT_OK


def _check(settings: Any) -> None:
    """Load what each worker will load, so that a bad file is exit 2 with a message, once."""
    from engine.service.app import create_app

    try:
        create_app(settings)
    except InputError:
        raise
    except (OSError, ValueError) as error:
        raise InputError(
            f"cannot start: {error}",
            None,
            path="pathway serve",
            kind=ErrorKind.INVALID_SERVICE_SETTINGS,
        ) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
