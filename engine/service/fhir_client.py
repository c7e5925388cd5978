"""Fetching what a CDS Client did not prefetch, from its `fhirServer`, with the bearer token of its
`fhirAuthorization` (CDS Hooks 2.0, "FHIR Resource Access"). Bounded: a timeout per request, a
size cap per response, a page cap per search, and `next` links followed only on the same server."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from engine.service.problems import ApiError

TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BYTES = 5_000_000
MAX_PAGES = 20


async def fetch_searches(
    client: httpx.AsyncClient,
    fhir_server: str,
    access_token: str | None,
    queries: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """{prefetch key: searchset Bundle with every page's entries} for each relative query."""
    base = fhir_server.rstrip("/") + "/"
    headers = {"Accept": "application/fhir+json"}
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    results = {}
    for key, query in queries.items():
        entries: list[Any] = []
        url: str | None = base + query
        pages = 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise _failed(key, url, f"more than {MAX_PAGES} pages of results")
            bundle = await _get_json(client, url, headers, key)
            if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
                raise _failed(key, url, "the answer is not a FHIR Bundle")
            page_entries = bundle.get("entry") or []
            if not isinstance(page_entries, list):
                raise _failed(key, url, "Bundle.entry is not an array")
            entries.extend(page_entries)
            url = _next_link(bundle, base)
        results[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    return results


async def _get_json(client: httpx.AsyncClient, url: str, headers: dict[str, str], key: str) -> Any:
    try:
        async with client.stream(
            "GET", url, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise _failed(key, url, f"HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise _failed(
                        key, url, f"the answer is larger than {MAX_RESPONSE_BYTES:,} bytes"
                    )
    except httpx.HTTPError as error:
        raise _failed(key, url, f"{type(error).__name__}: {error}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise _failed(key, url, "the answer is not JSON") from None


def _next_link(bundle: dict[str, Any], base: str) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            # Only on the same server: a `next` link elsewhere would send the token there.
            if isinstance(url, str) and url.startswith(base):
                return url
    return None


def _failed(key: str, url: str, why: str) -> ApiError:
    return ApiError(
        412,
        f"prefetch '{key}' was not given and fetching it from the FHIR server failed: {why} "
        f"({url})",
        (f"prefetch.{key}",),
        kind="fhir-fetch-failed",
    )


def allowed_server(fhir_server: str, allowed_prefixes: Sequence[str]) -> bool:
    """Whether the service may fetch from `fhir_server` (any http(s) URL when no prefix is set)."""
    if not fhir_server.startswith(("https://", "http://")):
        return False
    return not allowed_prefixes or any(fhir_server.startswith(p) for p in allowed_prefixes)
