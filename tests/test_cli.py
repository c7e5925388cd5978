"""The `pathway` command: explain, check, schema; bad input exits 2 with a message, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "profiles"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write(tmp_path: Path, text: str, name: str = "profile.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_explain_text_is_grouped_by_status(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", str(EXAMPLES / "aml-intermediate-no-transplant.yaml"))
    assert code == 0
    applies = out.index("Described for this situation (applies)")
    not_applies = out.index("Not described for this situation (does not apply)")
    assert (
        applies < out.index("[aml-oral-azacitidine]") < not_applies < out.index("[aml-sorafenib]")
    )
    assert "unable to have a stem cell transplant." in out.replace("\n      ", " ")
    assert "Stem cell transplant: received (has had a stem cell transplant) — this profile:" in out
    assert "IMPORTANT:" in out and "does not replace a doctor" in " ".join(out.split())


def test_explain_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    profile = str(EXAMPLES / "all-ph-positive.json")
    code, out, _ = _run(capsys, "explain", profile, "--format", "markdown")
    assert code == 0 and out.startswith("# What the documents say") and "| Option | Status |" in out
    code, out, _ = _run(capsys, "explain", profile, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["profile"]["ph_status"] == "positive" and len(data["options"]) == 11


def test_explain_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b"{disease: ALL, ph_status: positive}"))
    )
    code, out, _ = _run(capsys, "explain", "-", "--format", "json")
    assert code == 0 and json.loads(out)["profile"]["disease"] == "ALL"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "disease: AML\nph_status: positive\n",
            ["profile.yaml", "field 'ph_status'", "field of ALL profiles"],
        ),
        ("disease: AML\nage: 70\n", ["field 'age'", "the documents never use this fact"]),
        (
            "disease: AML\nflt3_mutaton: true\n",
            ["field 'flt3_mutaton'", "did you mean 'flt3_mutation'"],
        ),
        ("disease: AML\nflt3: true\n", ["did you mean 'flt3_mutation'"]),
        ("disease: AML\ncytogenetic_risk: high\n", ["field 'cytogenetic_risk'", "got 'high'"]),
        ("disease: CLL\n", ["field 'disease'", '"AML" or "ALL"']),
        ("disease: AML\ndisease: ALL\n", ["line 2", "key 'disease' is repeated"]),
        ("disease: [AML\n", ["not valid YAML or JSON"]),
        ("- AML\n", ["must be a mapping"]),
        ("", ["input is empty"]),
    ],
)
def test_bad_profile_exits_2_naming_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: list[str]
) -> None:
    code, out, err = _run(capsys, "explain", _write(tmp_path, text))
    assert code == 2 and out == ""
    assert err.startswith("pathway: error: ") and "Traceback" not in err
    for fragment in expected:
        assert fragment in err
    assert "field 'disease': field 'disease'" not in err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "explain", str(tmp_path / "absent.yaml"))
    assert code == 2 and "absent.yaml: file not found" in err


def test_check_reports_a_sound_rulebase(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check")
    assert code == 0 and "is sound" in out


def test_check_fails_on_a_broken_rules_directory(
    capsys: pytest.CaptureFixture[str], rules_copy: Path
) -> None:
    path = rules_copy / "all.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("often given weekly", "given weekly"),
        encoding="utf-8",
    )
    code, _, err = _run(capsys, "--rules", str(rules_copy), "check")
    assert code == 1 and "all.yaml" in err and "rule all-rule-methotrexate" in err


def test_explain_with_a_broken_rules_directory_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(
        capsys, "--rules", str(tmp_path), "explain", str(EXAMPLES / "all-ph-positive.json")
    )
    assert code == 2 and "rulebase.yaml" in err


def test_schema_is_the_profiles_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["$defs"]["AmlProfile"]["additionalProperties"] is False
    assert "ph_status" in schema["$defs"]["AllProfile"]["properties"]


def test_console_script_and_module_entry_point(tmp_path: Path) -> None:
    bad = _write(tmp_path, "disease: AML\nph_status: positive\n")
    result = subprocess.run(
        [sys.executable, "-m", "engine", "explain", bad], capture_output=True, text=True, timeout=60
    )
    assert (
        result.returncode == 2 and "Traceback" not in result.stderr and "ph_status" in result.stderr
    )
    pathway = Path(sys.executable).parent / "pathway"
    result = subprocess.run([str(pathway), "check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_global_options_go_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str],
    rules_copy: Path,
    edit_file: Callable[[Path, str, str], None],
) -> None:
    edit_file(rules_copy / "rulebase.yaml", "version: 1.0.0", "version: 9.9.9")
    for argv in (["--rules", str(rules_copy), "check"], ["check", "--rules", str(rules_copy)]):
        code, out, _ = _run(capsys, *argv)
        assert code == 0 and "rulebase 9.9.9" in out, argv
    code, out, _ = _run(capsys, "coverage", "--rules", str(rules_copy), "--format", "json")
    assert code == 0 and json.loads(out)
    # Given twice, the one after the command wins, as for any option repeated later.
    code, out, _ = _run(capsys, "--rules", "/nonexistent", "check", "--rules", str(rules_copy))
    assert code == 0 and "9.9.9" in out


def test_only_the_command_that_runs_is_imported() -> None:
    script = (
        "import sys\nfrom engine.cli.app import build_parser\n"
        "build_parser(['schema'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('engine.cli.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['engine.cli.app', 'engine.cli.common', 'engine.cli.schema']"
