"""Hostile inputs get bounded messages and exit 2: walkthrough page names that would collide, huge
values in profiles and case files, and rules directories that reach outside themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PATHWAY = Path(sys.executable).with_name("pathway")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _pathway(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PATHWAY), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def _case_with_id(tmp_path: Path, case_id: str) -> Path:
    source = EXAMPLES / "cases" / "all-burkitt-type.yaml"
    text = source.read_text(encoding="utf-8").replace("id: all-burkitt-type", f"id: {case_id}", 1)
    target = tmp_path / f"{case_id}.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def test_a_case_named_like_the_index_page_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    for case_id in ("index",):
        case = _case_with_id(tmp_path, case_id)
        out = tmp_path / f"out-{case_id}"
        completed = _pathway("walkthrough", str(case), "--format", "html", "--out", str(out))
        assert completed.returncode == 2, completed.stderr
        assert "Traceback" not in completed.stderr
        assert f"the case id '{case_id}' would write its page over index.html" in completed.stderr
        assert not out.exists()


def test_a_case_named_index_is_fine_as_text(tmp_path: Path) -> None:
    completed = _pathway("walkthrough", str(_case_with_id(tmp_path, "index")))
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr


HUGE_HEX = "0x" + "f" * 4000  # about 4,800 decimal digits: `str()` of it raises ValueError
HUGE_DECIMAL = "9" * 5000
MESSAGE_BUDGET = 1_000  # bytes of stderr for one bad value, however large the value


def _refused(completed: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert completed.returncode == 2, completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-2000:]
    assert len(completed.stderr.encode()) < MESSAGE_BUDGET, len(completed.stderr)
    for text in expected:
        assert text in completed.stderr, completed.stderr


def test_a_huge_integer_in_a_yaml_profile_is_a_short_message(tmp_path: Path) -> None:
    profile = tmp_path / "huge.yaml"
    profile.write_text(f"disease: AML\nflt3_mutation: {HUGE_HEX}\n", encoding="utf-8")
    _refused(
        _pathway("explain", str(profile)),
        "field 'flt3_mutation'",
        "<an integer of about 4,817 digits>",
    )


def test_a_huge_integer_in_a_json_profile_is_a_short_message(tmp_path: Path) -> None:
    profile = tmp_path / "huge.json"
    profile.write_text(f'{{"disease": "AML", "flt3_mutation": {HUGE_DECIMAL}}}', encoding="utf-8")
    _refused(_pathway("explain", str(profile)), "a number has more than 4,300 digits")


def test_a_huge_integer_key_is_a_short_message(tmp_path: Path) -> None:
    profile = tmp_path / "key.yaml"
    profile.write_text(f"disease: AML\n? {HUGE_HEX}\n: 1\n? {HUGE_HEX}\n: 2\n", encoding="utf-8")
    _refused(_pathway("explain", str(profile)), "<an integer of about 4,817 digits>' is repeated")


def test_a_huge_string_value_is_cut_to_a_preview(tmp_path: Path) -> None:
    profile = tmp_path / "long.json"
    value = "x" * 900_000
    profile.write_text(f'{{"disease": "AML", "cytogenetic_risk": "{value}"}}', encoding="utf-8")
    _refused(_pathway("explain", str(profile)), "(900,000 characters)")


def test_a_huge_integer_in_a_case_file_is_a_short_message(tmp_path: Path) -> None:
    case = _case_with_id(tmp_path, "huge")
    case.write_text(
        case.read_text(encoding="utf-8").replace("id: huge", f"id: {HUGE_HEX}", 1),
        encoding="utf-8",
    )
    _refused(_pathway("walkthrough", str(case)), "field 'id'", "<an integer of about")


def test_a_huge_integer_in_a_rule_file_is_a_short_message(rules_copy: Path) -> None:
    rule_file = rules_copy / "aml.yaml"
    text = rule_file.read_text(encoding="utf-8")
    old = "        - field: flt3_mutation\n          is: true\n"
    assert text.count(old) >= 1
    rule_file.write_text(
        text.replace(old, f"        - field: flt3_mutation\n          is: {HUGE_HEX}\n", 1),
        encoding="utf-8",
    )
    profile = str(EXAMPLES / "profiles" / "aml-flt3-after-transplant.yaml")
    _refused(
        _pathway("--rules", str(rules_copy), "explain", profile),
        "aml.yaml",
        "rule aml-rule-sorafenib-after-transplant",
    )


AML_PROFILE = str(EXAMPLES / "profiles" / "aml-flt3-after-transplant.yaml")


def _explain_with(rules: Path) -> subprocess.CompletedProcess[str]:
    return _pathway("--rules", str(rules), "explain", AML_PROFILE)


def _point_text_file(rules: Path, target: str) -> None:
    meta = rules / "sources" / "aml-maintenance.yaml"
    text = meta.read_text(encoding="utf-8")
    assert text.count("text_file: aml-maintenance.txt") == 1
    meta.write_text(text.replace("text_file: aml-maintenance.txt", f"text_file: {target}"), "utf-8")


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../etc/passwd", "../rulebase.yaml"])
def test_a_source_text_outside_the_rules_directory_is_refused(
    rules_copy: Path, target: str
) -> None:
    _point_text_file(rules_copy, target)
    _refused(
        _explain_with(rules_copy),
        "aml-maintenance.yaml: text_file:",
        "leads outside the rules directory",
    )


def test_a_symlink_leading_out_of_the_rules_directory_is_refused(
    rules_copy: Path, tmp_path: Path
) -> None:
    text = rules_copy / "sources" / "aml-maintenance.txt"
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(text.read_bytes())
    text.unlink()
    text.symlink_to(outside)
    _refused(_explain_with(rules_copy), "is a symbolic link to", "outside the rules directory")


def test_a_rule_file_outside_the_rules_directory_is_refused(rules_copy: Path) -> None:
    (rules_copy / "aml.yaml").rename(rules_copy.parent / "aml.yaml")
    manifest = rules_copy / "rulebase.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert text.count("rule_files: [aml.yaml,") == 1
    manifest.write_text(
        text.replace("rule_files: [aml.yaml,", "rule_files: [../aml.yaml,"), encoding="utf-8"
    )
    _refused(_explain_with(rules_copy), "rulebase.yaml: rule_files:", "leads outside")


def test_a_fifo_as_source_text_is_refused_without_hanging(rules_copy: Path) -> None:
    text = rules_copy / "sources" / "aml-maintenance.txt"
    text.unlink()
    os.mkfifo(text)
    _refused(_explain_with(rules_copy), "aml-maintenance.txt: not a regular file")


def test_a_device_inside_the_rules_directory_is_refused(rules_copy: Path) -> None:
    text = rules_copy / "sources" / "aml-maintenance.txt"
    text.unlink()
    # A link to /dev/zero leads out of the directory; a device node itself cannot be made here
    # without privileges, so a directory stands for every non-regular file.
    text.mkdir()
    _refused(_explain_with(rules_copy), "aml-maintenance.txt: not a regular file")


def test_an_oversized_source_text_is_refused_before_it_is_read(rules_copy: Path) -> None:
    text = rules_copy / "sources" / "aml-maintenance.txt"
    with text.open("ab") as handle:
        handle.write(b"x" * 1_000_001)
    _refused(_explain_with(rules_copy), "aml-maintenance.txt: the file has", "at most 1,000,000")


def test_an_oversized_rule_file_is_refused(rules_copy: Path) -> None:
    with (rules_copy / "aml.yaml").open("a", encoding="utf-8") as handle:
        handle.write("#" * 1_000_001 + "\n")
    _refused(_explain_with(rules_copy), "aml.yaml: the file has", "at most 1,000,000")
