"""A cold `pathway` process does only what its command needs (issue 13, item 3).

Timing is the benchmark's business (tests/benchmarks/bench_speed.py); these tests pin the
behaviours that make it fast without changing results: which modules a command imports, a lazy
`engine` package, and a process entry point that ends without the interpreter's teardown yet
delivers all of its output and its exit code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine.cli import main

PROFILE = (
    Path(__file__).resolve().parent.parent
    / "examples"
    / "profiles"
    / "aml-intermediate-no-transplant.yaml"
)


def _modules_after(code: str) -> set[str]:
    program = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True
    )
    return set(done.stderr.split())


def test_importing_engine_imports_none_of_its_layers() -> None:
    modules = _modules_after("import engine")
    loaded = {m for m in modules if m.startswith(("engine.", "schemas", "durable", "yaml"))}
    # Only the error types (and the suggestions they phrase), which callers catch.
    assert loaded == {"engine.errors", "engine.suggestions"}


def test_the_lazy_package_still_exports_its_names() -> None:
    assert sorted(engine.__all__) == engine.__all__
    for name in engine.__all__:
        assert getattr(engine, name) is not None
    assert set(engine.__all__) <= set(dir(engine))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        engine.nonexistent  # noqa: B018


def test_explain_imports_only_what_explaining_one_file_needs() -> None:
    modules = _modules_after(f"from engine.cli import main\nmain(['explain', {str(PROFILE)!r}])")
    commands = {m for m in modules if m.startswith("engine.cli.")}
    assert commands == {"engine.cli.app", "engine.cli.common", "engine.cli.explain"}
    for unneeded in ("engine.reasoning.batch", "engine.review", "engine.teaching", "difflib"):
        assert unneeded not in modules
    # The strict YAML reader runs on libyaml when PyYAML has it.
    import yaml

    if yaml.__with_libyaml__:
        assert "yaml._yaml" in modules


def test_the_process_entry_point_flushes_everything_and_keeps_the_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", str(PROFILE), "--format", "json"]) == 0
    in_process = capsys.readouterr().out
    pathway = Path(sys.executable).with_name("pathway")
    done = subprocess.run(
        [str(pathway), "explain", str(PROFILE), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == in_process
    assert json.loads(done.stdout)["profile"]["disease"] == "AML"
    missing = subprocess.run(
        [sys.executable, "-m", "engine", "explain", "no-such-file.yaml"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("pathway: error: no-such-file.yaml: file not found")
