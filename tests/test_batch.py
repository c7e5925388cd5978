"""Batch explanations: `explain_many` and `pathway explain --batch` (JSON Lines in and out)."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import BatchResult, Rulebase, Status, explain, explain_many
from engine.cli import main
from engine.domain.profile_space import every_profile
from engine.reasoning.batch import MAX_LINE_BYTES, explain_jsonl, read_lines

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT_ROOT / "examples" / "batch" / "profiles.jsonl"
PATHWAY = Path(sys.executable).with_name("pathway")


def _profiles() -> list[dict[str, Any]]:
    return [
        profile.model_dump(mode="json")
        for disease in ("AML", "ALL")
        for profile in every_profile(disease)
    ]


# Twenty broken lines of different kinds: (line number, text or bytes, field named or None, words).
BROKEN: list[tuple[int, str | bytes, str | None, str]] = [
    (1, "", None, "blank line"),
    (17, "   \t", None, "blank line"),
    (50, "not json", None, "not valid JSON"),
    (99, '{"disease": "AML",', None, "not valid JSON"),
    (150, "[1, 2, 3]", None, "holds an array"),
    (151, '"AML"', None, "holds a string"),
    (200, "null", None, "holds null"),
    (222, '{"disease": "CML"}', "disease", "must be"),
    (300, '{"disease": "AML", "cytogenetic_risk": "medium"}', "cytogenetic_risk", "got 'medium'"),
    (333, '{"disease": "AML", "subtype": "b_cell"}', "subtype", "a field of ALL profiles"),
    (400, '{"disease": "ALL", "ph_statos": "positive"}', "ph_statos", "did you mean 'ph_status'"),
    (444, '{"disease": "ALL", "cns_involvement": "maybe"}', "cns_involvement", "got 'maybe'"),
    (500, '{"disease": "AML", "disease": "ALL"}', "disease", "repeated"),
    (555, '{"id": [1], "disease": "AML"}', "id", "string or a number"),
    (600, '{"id": true, "disease": "AML"}', "id", "string or a number"),
    (666, '{"id": NaN, "disease": "AML"}', "id", "string or a number"),
    (700, b'{"disease": "AML\xff"}', None, "not UTF-8"),
    (777, "{}", "disease", "must be"),
    (888, "x" * (MAX_LINE_BYTES + 1), None, "longer than 1,000,000 bytes"),
    (1000, '{"disease": "AML", "flt3_mutation": 1}', "flt3_mutation", "valid boolean"),
]


def _thousand_lines() -> tuple[bytes, dict[int, dict[str, Any]]]:
    """1,000 lines, 20 of them broken; also the profile (with id) of every good line."""
    profiles = itertools.cycle(_profiles())
    broken = {number: text for number, text, _, _ in BROKEN}
    lines: list[bytes] = []
    good: dict[int, dict[str, Any]] = {}
    for number in range(1, 1001):
        if number in broken:
            text = broken[number]
            lines.append(text if isinstance(text, bytes) else text.encode())
            continue
        # Ids alternate between strings and numbers; every fifth line has none.
        ident: Any = f"patient-{number}" if number % 2 else number * 10
        record = dict(next(profiles))
        if number % 5:
            record = {"id": ident, **record}
        good[number] = record
        lines.append(json.dumps(record).encode())
    return b"\n".join(lines) + b"\n", good


def test_thousand_lines_with_twenty_broken(tmp_path: Path, rulebase: Rulebase) -> None:
    data, good = _thousand_lines()
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(data)

    assert main(["explain", "--batch", str(source), "-o", str(target)]) == 1

    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(out) == 1000
    assert [record["line"] for record in out] == list(range(1, 1001))
    broken = {number: (field, words) for number, _, field, words in BROKEN}
    for record in out:
        number = record["line"]
        if number in broken:
            field, words = broken[number]
            assert "explanation" not in record, number
            assert words in record["error"], (number, record["error"])
            assert record["field"] == field, (number, record)
            continue
        profile = dict(good[number])
        assert record["id"] == profile.pop("id", None)
        assert "error" not in record
        expected = explain(profile, rulebase=rulebase).model_dump(mode="json")
        assert record["explanation"] == expected, number


def test_all_good_lines_exit_zero_and_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '{"id": "a", "disease": "AML", "cytogenetic_risk": "unfavourable", '
        '"transplant_status": "ineligible"}',
        '{"disease": "ALL", "subtype": "b_cell", "ph_status": "positive"}\r',
        '{"id": 2.5, "disease": "aml", "flt3_mutation": true, "transplant_status": "received", '
        '"in_remission": true}',
    ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode())))
    assert main(["explain", "--batch", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "", "no progress line when stderr is not a terminal"
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [(r["line"], r["id"]) for r in out] == [(1, "a"), (2, None), (3, 2.5)]
    statuses = [
        {option["id"]: option["status"] for option in r["explanation"]["options"]} for r in out
    ]
    # "... intermediate or unfavourable chromosome changes who are unable to have a stem cell
    # transplant" / Sorafenib "... received a stem cell transplant and are in remission from AML
    # with the FLT3 mutation."
    assert statuses[0]["aml-oral-azacitidine"] == "applies"
    assert statuses[2]["aml-sorafenib"] == "applies"
    assert statuses[2]["aml-oral-azacitidine"] == "does_not_apply"
    assert out[1]["explanation"]["profile"]["ph_status"] == "positive"


def test_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    source = tmp_path / "in.jsonl"
    source.write_text('{"disease": "AML"}\n\n', encoding="utf-8")
    assert main(["explain", "--batch", str(source)]) == 1
    assert "2 lines, 1 errors" in terminal.getvalue()
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_missing_input_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["explain", "--batch", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: file not found" in err
    assert "Traceback" not in err


def test_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"disease": "AML"}\n', encoding="utf-8")
    assert main(["explain", "--batch", str(source), "-o", str(tmp_path)]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain"], "the following arguments are required: FILE|-"),
        (["explain", "a.yaml", "--batch", "b.jsonl"], "either FILE or --batch"),
        (["explain", "a.yaml", "-o", "b.jsonl"], "only for --batch"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_empty_input_gives_no_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_bytes(b"")
    assert main(["explain", "--batch", str(source)]) == 0
    assert capsys.readouterr().out == ""


def test_read_lines_skips_an_overlong_line_without_holding_it() -> None:
    long_line = b"y" * 5_000_000
    stream = io.BytesIO(b"first\r\n" + long_line + b"\nlast")
    tracemalloc.start()
    try:
        lines = list(read_lines(stream, limit=100))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == [b"first", None, b"last"]
    assert peak < 500_000


def test_read_lines_limit_is_inclusive() -> None:
    stream = io.BytesIO(b"a" * 10 + b"\n" + b"b" * 11 + b"\n" + b"c" * 10)
    assert list(read_lines(stream, limit=10)) == [b"a" * 10, None, b"c" * 10]


def test_batch_streams(rulebase: Rulebase) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b'{"disease": "ALL"}'

    first = list(itertools.islice(explain_jsonl(endless(), rulebase), 3))
    assert [json.loads(line)["line"] for line in first] == [1, 2, 3]


def test_explain_many_in_order_with_errors(rulebase: Rulebase) -> None:
    items: list[Any] = [
        {"disease": "AML", "cytogenetic_risk": "intermediate", "transplant_status": "ineligible"},
        {"disease": "AML", "transplant_status": "later"},
        ["not", "a", "mapping"],
        explain({"disease": "ALL"}, rulebase=rulebase).profile,
    ]
    results = list(explain_many(items, rulebase=rulebase))
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[0].explanation is not None
    applies = {o.id for o in results[0].explanation.options if o.status is Status.APPLIES}
    assert "aml-oral-azacitidine" in applies
    assert results[1].field == "transplant_status"
    assert results[1].error is not None and "got 'later'" in results[1].error
    assert results[2].field is None
    assert results[2].error is not None and "dictionary" in results[2].error
    assert results[3].explanation == explain({"disease": "ALL"}, rulebase=rulebase)
    assert isinstance(results[0], BatchResult)


def test_explain_many_is_lazy(rulebase: Rulebase) -> None:
    endless = itertools.repeat({"disease": "AML"})
    taken = list(itertools.islice(explain_many(endless, rulebase=rulebase), 5))
    assert [r.index for r in taken] == [0, 1, 2, 3, 4]
    assert all(r.ok for r in taken)


def test_explain_many_default_rulebase() -> None:
    (result,) = explain_many([{"disease": "ALL", "subtype": "burkitt"}])
    assert result.ok
    assert result.explanation is not None
    assert result.explanation.profile.model_dump(mode="json")["subtype"] == "mature_b_cell"


def test_sample_file_through_the_installed_command() -> None:
    done = subprocess.run(
        [str(PATHWAY), "explain", "--batch", "-"],
        input=SAMPLE.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == b""
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == len(SAMPLE.read_bytes().splitlines())
    errors = [(r["line"], r["field"]) for r in out if "error" in r]
    assert errors == [(5, "cytogenetic_risk"), (6, None)]
