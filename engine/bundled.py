"""Where the bundled data lives: the rulebase (`rules/`) and the teaching cases (`examples/cases/`).

In a checkout (and an editable install) they are the repository's own directories, the single copy
that is edited. A wheel or sdist built from the repository carries a copy inside the package, at
`engine/_bundled/rules/` and `engine/_bundled/cases/` (setup.py copies them at build time; that copy
is never committed). The copy is found through importlib.resources, so an install from a zip file
works too: the directory is then extracted once to a temporary directory, because the loader
reads a directory tree.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

BundledData = Literal["rules", "cases"]

PACKAGED_DIR = "_bundled"
"""The directory inside the `engine` package that a built distribution carries the data in."""

CHECKOUT_DIRS: dict[BundledData, tuple[str, ...]] = {
    "rules": ("rules",),
    "cases": ("examples", "cases"),
}
"""Each data directory, relative to the repository root (the source of the packaged copy)."""

# The one module-level mutable state: directories extracted from a zip install, by name.
_EXTRACTED_LOCK = threading.Lock()
_extracted: dict[str, Path] = {}


def bundled_dir(name: BundledData) -> Path:
    """The directory of the bundled `rules` or `cases`: the packaged copy of an installed
    distribution, else the checkout's own directory. The path may not exist (a broken install);
    callers say so in their own words."""
    packaged = resources.files("engine").joinpath(PACKAGED_DIR, name)
    if packaged.is_dir():
        return packaged if isinstance(packaged, Path) else _extracted_copy(name, packaged)
    return Path(__file__).resolve().parent.parent.joinpath(*CHECKOUT_DIRS[name])


def _extracted_copy(name: str, packaged: Traversable) -> Path:
    with _EXTRACTED_LOCK:
        if name not in _extracted:
            target = Path(tempfile.mkdtemp(prefix=f"pathway-{name}-")) / name
            atexit.register(shutil.rmtree, target.parent, True)
            _copy_tree(packaged, target)
            _extracted[name] = target
        return _extracted[name]


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir()
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
