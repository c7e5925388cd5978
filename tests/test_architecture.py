"""The folder tree is the architecture: no import runs upward through the layers, only the
durable-rules adapter imports `durable`, and no engine module names a disease.

Imports are read from the source (ast), so an import inside a function counts as much as one at
the top of a module. See docs/architecture.md for the layers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.domain.profiles import diseases

ENGINE = Path(__file__).resolve().parent.parent / "engine"

LAYERS: dict[str, int] = {
    "domain": 0,
    "inputs": 1,
    "matching": 2,
    "rulebase": 3,
    "reasoning": 4,
    "review": 5,
    "teaching": 5,
    "rendering": 5,
    "interop": 5,
    "service": 6,
    "cli": 7,
}
"""Subpackage -> rank. A module may import its own rank and below; errors.py, suggestions.py, bundled.py, locks.py,
preview.py and
schemas/ sit under every layer."""

FOUNDATION = {
    "engine.errors",
    "engine.suggestions",
    "engine.bundled",
    "engine.locks",
    "engine.preview",
}
"""Top-level modules every layer may import; they import nothing of the layers themselves."""

KNOWN_UPWARD: set[tuple[str, str]] = set()
"""Imports allowed to run upward: none."""


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ENGINE.rglob("*.py")):
        parts = path.relative_to(ENGINE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(path: Path, module: str) -> Iterator[str]:
    """Every module named by an import statement anywhere in the file (lazy ones included)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            # `from engine.cli import batch` imports a module, not only a name.
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.JoinedStr | ast.Constant)
        ):
            # importlib.import_module(f"engine.cli.{command}"): the constant prefix says where.
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) else ""
            if isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                text = str(first.values[0].value)
            yield str(text).rstrip(".")


def _module_of(name: str) -> str:
    """The module an imported name lives in: `engine.x.y.Name` -> `engine.x.y`."""
    while name.count(".") and not (
        (ENGINE.parent / f"{name.replace('.', '/')}.py").is_file()
        or (ENGINE.parent / name.replace(".", "/") / "__init__.py").is_file()
    ):
        name = name.rpartition(".")[0]
    return name


def _rank(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "engine" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def _upward_imports() -> set[tuple[str, str]]:
    found = set()
    for module, path in _modules():
        own = _rank(module)
        for imported in {_module_of(name) for name in _imports(path, module)}:
            if not imported.startswith("engine.") or imported in FOUNDATION:
                continue
            target = _rank(imported)
            if (module in FOUNDATION and imported.split(".")[1] in LAYERS) or (
                own is not None and target is not None and target > own
            ):
                found.add((module, imported))
    return found


def test_every_subpackage_has_a_rank() -> None:
    packages = {path.parent.name for path in ENGINE.glob("*/__init__.py")}
    assert packages == set(LAYERS)


def test_top_level_modules_are_a_handful() -> None:
    top = {path.name for path in ENGINE.glob("*.py")}
    assert top == {
        "__init__.py",
        "__main__.py",
        "bundled.py",
        "errors.py",
        "locks.py",
        "preview.py",
        "suggestions.py",
    }


def test_no_import_runs_upward() -> None:
    upward = _upward_imports()
    assert upward - KNOWN_UPWARD == set(), "imports that run upward through the layers"
    # An exemption that no longer happens must go, so that it cannot hide a new one.
    assert upward >= KNOWN_UPWARD


def test_the_check_sees_lazy_and_upward_imports(tmp_path: Path) -> None:
    # The checker itself must be able to fail: a lazy upward import in a domain module.
    source = tmp_path / "probe.py"
    source.write_text(
        "def f():\n    from engine.cli.common import EXIT_OK\n    return EXIT_OK\n",
        encoding="utf-8",
    )
    imported = set(_imports(source, "engine.domain.probe"))
    assert "engine.cli.common" in imported
    assert _rank("engine.cli.common") == LAYERS["cli"] > (_rank("engine.domain.probe") or 0)


def test_only_the_adapter_imports_durable() -> None:
    importers = {
        module
        for module, path in _modules()
        if any(name.split(".")[0] == "durable" for name in _imports(path, module))
    }
    assert importers == {"engine.matching.durable_adapter"}


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


@pytest.mark.parametrize("disease", ["AML", "ALL"])
def test_no_engine_module_names_a_disease(disease: str) -> None:
    assert disease in diseases()
    word = re.compile(rf"\b{disease}\b")
    named = [
        f"{path.relative_to(ENGINE.parent)}:{line}: {text!r}"
        for _, path in _modules()
        for line, text in _string_constants(path)
        if word.search(text)
    ]
    assert named == [], "diseases come from schemas/profile.py, not from engine literals"
