"""The README and the reference pages mirror the tree: every file or folder they name exists, and
the README stays short (the detail lives under docs/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
NAMED_PATH = re.compile(r"`((?:engine|schemas|tests|rules|examples)/[\w./*-]*)`")
# Exists only inside a built wheel or sdist (tests/test_packaging.py looks for it there).
BUILT_ONLY = "engine/_bundled/"


def test_the_readme_is_short() -> None:
    assert (ROOT / "README.md").stat().st_size <= 10 * 1024


@pytest.mark.parametrize("page", PAGES)
def test_every_named_path_exists(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    missing = [
        name
        for name in NAMED_PATH.findall(text)
        if not name.startswith(BUILT_ONLY)
        and not (list(ROOT.glob(name)) if "*" in name else (ROOT / name).exists())
    ]
    assert missing == []
