"""Launching Debian's Chromium through Playwright, for the browser tests and the benchmark.

Playwright's own browser download is never used (`playwright install` cannot reach its servers
here): the tests drive the `chromium` package at /usr/bin/chromium through `executable_path`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Playwright

CHROMIUM = Path(os.environ.get("PATHWAY_CHROMIUM", "/usr/bin/chromium"))
# Headless, and quiet: no sandbox (CI runs as root), no GPU, and none of Chromium's own
# background traffic, so that the only requests are the page's.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "Install it with `apt-get install -y chromium` (.ci/run does so in CI)."


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')."
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM}. {INSTALL_HINT}"
    return None


@contextmanager
def launch(
    playwright: Playwright, *, width: int = 1280, height: int = 900
) -> Iterator[BrowserContext]:
    """A fresh Chromium with its own profile directory, removed again on exit."""
    profile = tempfile.mkdtemp(prefix="pathway-chromium-")
    try:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
