"""Build hook (all other metadata is in pyproject.toml): a built distribution carries the
repository's `rules/` and `examples/cases/` inside the package, as `engine/_bundled/rules/` and
`engine/_bundled/cases/`, where `engine.bundled` finds them. The checkout keeps the only committed
copy; an editable install reads it in place."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Kept in step with engine/bundled.py (CHECKOUT_DIRS); a test builds the wheel and lists it.
BUNDLED = {"rules": ROOT / "rules", "cases": ROOT / "examples" / "cases"}


class BuildPyWithBundledData(build_py):
    """build_py, then a copy of the data directories into the built `engine` package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name, source in BUNDLED.items():
            target = Path(self.build_lib, "engine", "_bundled", name)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".*"))


setup(cmdclass={"build_py": BuildPyWithBundledData})
