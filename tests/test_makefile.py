"""The Makefile's venv logic, read from `make -n` (a dry run) in a scratch copy of the project files:
which interpreter builds .venv, what each target installs, the durable-rules define on 3.13+."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
THIS_PYTHON = os.path.realpath(sys.executable)
VERSION_CHECK = "sys.version_info >= (3, 11)"
DEFINE = "CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)'"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    (tmp_path / "tests" / "benchmarks").mkdir(parents=True)
    for name in ("bench_b.py", "bench_a.py", "helper.py"):
        (tmp_path / "tests" / "benchmarks" / name).write_text("", encoding="utf-8")
    return tmp_path


def _dry_run(project: Path, target: str, *variables: str) -> str:
    done = subprocess.run(
        ["make", "-n", target, f"PYTHON={sys.executable}", *variables],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _make_venv_current(project: Path, interpreter: str) -> None:
    (project / ".venv").mkdir(exist_ok=True)
    (project / ".venv" / ".interpreter").write_text(f"{interpreter}\n", encoding="utf-8")
    for stamp in re.findall(r"touch (\.venv/\.\w+-\d+)", _dry_run(project, "test")):
        (project / stamp).touch()


def test_demo_installs_the_product_only_and_test_adds_the_tools(project: Path) -> None:
    demo = _dry_run(project, "demo")
    assert "-m pip install --quiet -e .\n" in demo and "[test]" not in demo
    assert "-e '.[test]'" in _dry_run(project, "test")


def test_a_fresh_checkout_creates_the_venv_with_python(project: Path) -> None:
    out = _dry_run(project, "demo")
    assert f"{sys.executable} -m venv .venv" in out
    assert f"echo '{THIS_PYTHON}' > .venv/.interpreter" in out


def test_a_venv_made_with_another_interpreter_is_rebuilt(project: Path) -> None:
    # As `make demo PYTHON=python3.11` left it: its interpreter and its own stamps.
    (project / ".venv").mkdir()
    (project / ".venv" / ".interpreter").write_text("/opt/other/bin/python3.11\n", encoding="utf-8")
    (project / ".venv" / ".runtime-1").touch()
    out = _dry_run(project, "demo")
    assert "rm -rf .venv &&" in out and f"{sys.executable} -m venv .venv" in out


def test_an_up_to_date_venv_is_kept_and_the_version_is_still_checked(project: Path) -> None:
    _make_venv_current(project, THIS_PYTHON)
    out = _dry_run(project, "demo")
    assert "pip install" not in out and "-m venv" not in out
    assert VERSION_CHECK in out
    # A change to pyproject.toml reinstalls, into the same venv.
    with (project / "pyproject.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n# changed\n")
    out = _dry_run(project, "demo")
    assert "pip install --quiet -e ." in out and "rm -rf .venv" not in out


def test_the_version_check_refuses_an_old_python(project: Path, tmp_path: Path) -> None:
    old = tmp_path / "python3.10"
    old.write_text(
        f'#!/bin/sh\ncase "$*" in *"version_info >="*) exec {sys.executable} -c '
        "'import sys; sys.exit(\"Python 3.11 or later is required\")';; esac\n"
        f'exec {sys.executable} "$@"\n',
        encoding="utf-8",
    )
    old.chmod(0o755)
    done = subprocess.run(
        ["make", "demo", f"PYTHON={old}"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "Python 3.11 or later is required" in done.stderr
    assert not (project / ".venv").exists()


@pytest.mark.parametrize(
    ("version", "defined"), [("3.11", False), ("3.12", False), ("3.13", True), ("3.14", True)]
)
def test_durable_rules_is_built_with_the_define_from_3_13(
    project: Path, version: str, defined: bool
) -> None:
    out = _dry_run(project, "test", f"PY_VERSION={version}")
    installs = [line for line in out.splitlines() if "pip install --quiet" in line and "-e" in line]
    assert len(installs) == 2
    for line in installs:
        assert (DEFINE in line and "--no-cache-dir" in line) is defined, line


def test_a_real_3_13_gets_the_define(project: Path) -> None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(root.glob("versions/3.13*/bin/python3.13")) or [
        Path(p) for p in filter(None, [shutil.which("python3.13")])
    ]
    if not found:
        pytest.skip("no Python 3.13 on this machine")
    done = subprocess.run(
        ["make", "-n", "demo", f"PYTHON={found[-1]}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and DEFINE in done.stdout, done.stdout + done.stderr


def test_bench_runs_every_benchmark_in_name_order(project: Path) -> None:
    out = _dry_run(project, "bench")
    assert "tests/benchmarks/bench_a.py tests/benchmarks/bench_b.py;" in out
    assert "helper.py" not in out
