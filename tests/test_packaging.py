"""The distribution: what the wheel and sdist carry, finding the bundled data from an install (also
a zip), durable-rules' broken 3.13 build as one message, and no deprecation noise of ours."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from engine.bundled import CHECKOUT_DIRS, PACKAGED_DIR, bundled_dir
from engine.cli import main

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON_313_DEFINE = "CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)'"


def _files_under(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_a_checkout_reads_its_own_rules_and_cases_and_holds_no_second_copy() -> None:
    assert bundled_dir("rules") == PROJECT_ROOT / "rules"
    assert bundled_dir("cases") == PROJECT_ROOT / "examples" / "cases"
    assert not (PROJECT_ROOT / "engine" / PACKAGED_DIR).exists()


def test_walkthrough_list_without_the_cases_is_a_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("engine.teaching.cases.bundled_dir", lambda _name: tmp_path / "gone")
    assert main(["walkthrough", "--list"]) == 2
    err = capsys.readouterr().err
    assert "gone: the case directory is missing" in err and "Reinstall" in err


def _run(
    args: list[str], cwd: Path, pythonpath: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def durable_built_without_the_define(tmp_path: Path) -> str:
    """A `durable` package that fails to import as durable-rules built on 3.13 without the define."""
    package = tmp_path / "fake" / "durable"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "engine.py").write_text(
        "raise ImportError('/venv/lib/rules.cpython-313-x86_64-linux-gnu.so: "
        "undefined symbol: PyEval_CallObject')\n",
        encoding="utf-8",
    )
    return f"{package.parent}{os.pathsep}{PROJECT_ROOT}"


def test_a_broken_durable_build_is_one_message_with_the_fix_at_the_cli(
    durable_built_without_the_define: str, tmp_path: Path
) -> None:
    profile = PROJECT_ROOT / "examples" / "profiles" / "aml-intermediate-no-transplant.yaml"
    # What the `pathway` console script runs.
    script = f"from engine.cli import main; raise SystemExit(main(['explain', {str(profile)!r}]))"
    done = _run(["-c", script], tmp_path, durable_built_without_the_define)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("pathway: error: durable-rules was built without the fix")
    assert "undefined symbol PyEval_CallObject" in lines[0]
    assert PYTHON_313_DEFINE in lines[1] and "--no-cache-dir" in lines[1]
    assert f"{sys.executable} -m pip install" in lines[1] and len(lines) == 2


def test_a_broken_durable_build_is_an_engine_error_for_the_library(
    durable_built_without_the_define: str, tmp_path: Path
) -> None:
    script = (
        "import engine\n"  # importing the package alone does not load durable-rules
        "try:\n    from engine import explain\n"
        "except engine.EngineError as error:\n    print('EngineError:', error)\n"
    )
    done = _run(["-c", script], tmp_path, durable_built_without_the_define)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("EngineError: durable-rules was built without the fix")
    assert PYTHON_313_DEFINE in done.stdout


def test_durable_rules_deprecation_is_filtered_narrowly(tmp_path: Path) -> None:
    # On 3.12+ durable-rules calls the deprecated datetime.utcfromtimestamp on every evaluation.
    script = (
        "import warnings\n"
        "from engine import explain\n"
        "explain({'disease': 'AML', 'flt3_mutation': True})\n"
        "try:\n"
        "    warnings.warn_explicit('datetime.datetime.utcfromtimestamp() is deprecated', "
        "DeprecationWarning, 'ours.py', 1, module='engine.reasoning.explainer')\n"
        "except DeprecationWarning:\n    print('ours still raised')\n"
    )
    done = _run(["-W", "error::DeprecationWarning", "-c", script], tmp_path, str(PROJECT_ROOT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ours still raised"


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The sdist and the wheel built from it (as pip would), and the build's output."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel, done.stdout + done.stderr


@pytest.mark.slow
def test_the_wheel_carries_the_rules_sources_and_cases(
    distributions: tuple[Path, Path, str],
) -> None:
    _, wheel, _ = distributions
    names = set(zipfile.ZipFile(wheel).namelist())
    for name, parts in CHECKOUT_DIRS.items():
        expected = _files_under(PROJECT_ROOT.joinpath(*parts))
        carried = {
            n.removeprefix(f"engine/{PACKAGED_DIR}/{name}/")
            for n in names
            if n.startswith(f"engine/{PACKAGED_DIR}/{name}/")
        }
        assert carried == expected, name
    assert {"engine/_bundled/rules/sources/aml-maintenance.yaml", "engine/py.typed"} <= names
    assert {"schemas/py.typed", "engine/cli/app.py", "schemas/profile.py"} <= names
    assert {n.split("/")[0] for n in names if not n.startswith("pathway_explainer-")} == {
        "engine",
        "schemas",
    }
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))
    )
    assert b"License-Expression: MIT" in metadata
    assert b"Requires-Python: >=3.11\n" in metadata


@pytest.mark.slow
def test_the_sdist_carries_what_the_wheel_is_built_from(
    distributions: tuple[Path, Path, str],
) -> None:
    sdist, _, _ = distributions
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for parts in CHECKOUT_DIRS.values():
        root = "/".join(parts)
        assert {f"{root}/{f}" for f in _files_under(PROJECT_ROOT.joinpath(*parts))} <= names
    assert {"setup.py", "MANIFEST.in", "pyproject.toml"} <= names


@pytest.mark.slow
def test_the_build_prints_no_deprecation_of_ours(distributions: tuple[Path, Path, str]) -> None:
    _, _, output = distributions
    # setuptools said "BuildBackendWarning: `project.license` as a TOML table is deprecated".
    assert "DeprecationWarning" not in output and "BuildBackendWarning" not in output, output


@pytest.mark.slow
def test_the_wheel_works_from_a_zip_in_another_directory(
    distributions: tuple[Path, Path, str], tmp_path: Path
) -> None:
    # A wheel is a zip: imported straight from it, nothing is on disk as a directory.
    _, wheel, _ = distributions
    script = (
        f"import sys; sys.path.insert(0, {str(wheel)!r})\n"
        "import engine\n"
        f"assert engine.__file__.startswith({str(wheel)!r}), engine.__file__\n"
        "from engine import explain, load_rulebase\n"
        "from engine.teaching.cases import bundled_cases\n"
        "print(len(load_rulebase().rules), len(bundled_cases()),\n"
        "      explain({'disease': 'ALL', 'subtype': 'burkitt'}).profile.subtype.value)\n"
    )
    done = _run(["-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == [
        str(len(list((PROJECT_ROOT / "examples" / "cases").glob("*.yaml")))),
        "mature_b_cell",
    ]
