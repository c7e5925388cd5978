"""Hostile inputs get bounded messages and exit 2: walkthrough page names that would collide, huge
values in profiles and case files, and rules directories that reach outside themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
