"""Batch explanations: `explain_many` and `pathway explain --batch` (JSON Lines in and out)."""

from __future__ import annotations

import errno
import functools
import io
import itertools
import json
import os
import pty
import random
import re
import select
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import BatchResult, Explanation, Rulebase, Status, explain, explain_many, load_rulebase
from engine.cli import main
from engine.domain.profile_space import every_profile
from engine.reasoning import batch as batch_module
from engine.reasoning.batch import MAX_LINE_BYTES, explain_jsonl, jsonl_pieces, read_lines
from schemas.batch import ErrorLine, SummaryLine

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


# Issue 9, item 1: the output is never the input, and a file is replaced only by a complete run.

INPUT_TEXT = '{"id": "a", "disease": "AML"}\n{"id": "b", "disease": "ALL"}\n'


def _input_file(folder: Path) -> Path:
    source = folder / "in.jsonl"
    source.write_text(INPUT_TEXT, encoding="utf-8")
    return source


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "other spelling"])
def test_output_that_is_the_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    source = _input_file(tmp_path)
    target = {
        "same path": source,
        "symlink": tmp_path / "link.jsonl",
        "hard link": tmp_path / "hard.jsonl",
        "other spelling": tmp_path / "sub" / ".." / "in.jsonl",
    }[how]
    if how == "symlink":
        target.symlink_to(source)
    elif how == "hard link":
        target.hardlink_to(source)
    elif how == "other spelling":
        (tmp_path / "sub").mkdir()
    assert main(["explain", "--batch", str(source), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is the input file" in err
    assert "Traceback" not in err
    assert source.read_text(encoding="utf-8") == INPUT_TEXT
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("via_stdin", [False, True], ids=["--batch FILE", "--batch - <FILE"])
def test_appending_stdout_to_the_input_is_refused(tmp_path: Path, via_stdin: bool) -> None:
    source = _input_file(tmp_path)
    argv = [str(PATHWAY), "explain", "--batch", "-" if via_stdin else str(source)]
    with source.open("ab") as appended, source.open("rb") as reading:
        try:
            done = subprocess.run(
                argv,
                stdin=reading if via_stdin else subprocess.DEVNULL,
                stdout=appended,
                stderr=subprocess.PIPE,
                timeout=30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the batch kept reading its own output")
    assert done.returncode == 2
    assert b"is the input file" in done.stderr
    assert source.read_text(encoding="utf-8") == INPUT_TEXT


def test_existing_output_is_replaced_whole_keeping_its_mode(tmp_path: Path) -> None:
    source = _input_file(tmp_path)
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    assert main(["explain", "--batch", str(source), "-o", str(target)]) == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_symlinked_output_replaces_the_file_it_names(tmp_path: Path) -> None:
    source = _input_file(tmp_path)
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert main(["explain", "--batch", str(source), "-o", str(link)]) == 0
    assert link.is_symlink()
    assert len(real.read_text(encoding="utf-8").splitlines()) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "link.jsonl", "real.jsonl"]


def test_devices_and_fifos_are_written_directly(tmp_path: Path) -> None:
    source = _input_file(tmp_path)
    null_link = tmp_path / "null"
    null_link.symlink_to(os.devnull)
    assert main(["explain", "--batch", str(source), "-o", str(null_link)]) == 0
    assert null_link.is_symlink() and os.readlink(null_link) == os.devnull

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert main(["explain", "--batch", str(source), "-o", str(fifo)]) == 0
    reader.join(30)
    assert [json.loads(line)["id"] for line in received[0].splitlines()] == ["a", "b"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "in.jsonl", "null"]


def test_output_into_a_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _input_file(tmp_path)
    target = tmp_path / "missing" / "out.jsonl"
    assert main(["explain", "--batch", str(source), "-o", str(target)]) == 2
    assert f"{target}: cannot write" in capsys.readouterr().err


# Issue 9, item 5: output that cannot be written is an input/output error, exit 2.


def _run_shell(script: str, *args: str, stdin: Any = subprocess.DEVNULL) -> Any:
    """Run PATHWAY through `sh -c script` (to close or redirect descriptors first)."""
    return subprocess.run(
        ["sh", "-c", script, "sh", str(PATHWAY), *args],
        stdin=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("script", "named"),
    [
        ('exec "$@" -o /dev/full', b"/dev/full: cannot write: No space left on device"),
        ('exec "$@" >/dev/full', b"<stdout>: cannot write: No space left on device"),
        ('exec "$@" >&-', b"<stdout>: standard output is closed"),
    ],
    ids=["-o /dev/full", "stdout on /dev/full", "stdout closed"],
)
def test_unwritable_outputs_exit_2(tmp_path: Path, script: str, named: bytes) -> None:
    source = _input_file(tmp_path)
    done = _run_shell(script, "explain", "--batch", str(source))
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert b"Traceback" not in done.stderr


def test_closed_stdin_exits_2() -> None:
    done = _run_shell('exec "$@" <&-', "explain", "--batch", "-")
    assert done.returncode == 2, done.stderr
    assert b"<stdin>: standard input is closed" in done.stderr
    assert b"Traceback" not in done.stderr


def test_disk_filling_up_keeps_the_old_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"disease": "AML"}\n' * 500, encoding="utf-8")  # about 5 MB out
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    calls = []
    real_write = os.write

    def filling_up(descriptor: int, data: Any) -> int:
        if descriptor > 2:  # the output file; not pytest's own streams
            calls.append(descriptor)
            if len(calls) > 1:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", filling_up)
    assert main(["explain", "--batch", str(source), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{target}: cannot write: No space left on device" in err
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


# Issue 9, item 6: a signal stops the run at a line boundary and says where.

STOP_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


def _stopped_after(stderr: bytes, input_name: str) -> int:
    found = re.search(rf"stopped after line (\d+) of {re.escape(input_name)}", stderr.decode())
    assert found, stderr
    return int(found.group(1))


def _partial_lines(folder: Path) -> tuple[Path, list[dict[str, Any]]]:
    (partial,) = folder.glob("out.jsonl.*.partial")
    data = partial.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the last line must be whole"
    return partial, [json.loads(line) for line in data.splitlines()]


@pytest.mark.parametrize("signum", list(STOP_CODES), ids=[s.name for s in STOP_CODES])
def test_signal_mid_run_leaves_whole_lines_and_says_where(tmp_path: Path, signum: int) -> None:
    source = tmp_path / "in.jsonl"
    profiles = _profiles()
    source.write_text(
        "".join(json.dumps({"id": n, **profiles[n % len(profiles)]}) + "\n" for n in range(40_000)),
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    target.write_text("the previous complete run\n", encoding="utf-8")
    process = subprocess.Popen(
        [str(PATHWAY), "explain", "--batch", str(source), "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        # Running (handlers installed) once the first block of lines is out.
        while not any(p.stat().st_size for p in tmp_path.glob("out.jsonl.*.partial")):
            assert process.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.01)
        time.sleep(random.uniform(0, 0.3))
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == STOP_CODES[signum], stderr
    assert b"Traceback" not in stderr
    count = _stopped_after(stderr, str(source))
    _, lines = _partial_lines(tmp_path)
    assert 0 < count < 40_000
    assert [line["line"] for line in lines] == list(range(1, count + 1))
    assert [line["id"] for line in lines] == list(range(count))
    assert target.read_text(encoding="utf-8") == "the previous complete run\n"


def test_signal_while_waiting_for_input_stops_promptly(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [str(PATHWAY), "explain", "--batch", "-", "-o", str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    try:
        # 150 full lines (about 1.7 MB out) make the first block appear; then the input stalls.
        process.stdin.write(b'{"disease": "ALL"}\n' * 150)
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in tmp_path.glob("out.jsonl.*.partial")):
            assert process.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.01)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        stderr = process.stderr.read() if process.stderr else b""
        process.wait(timeout=30)
    finally:
        process.kill()
        process.wait()
        process.stdin.close()
    assert process.returncode == 130, stderr
    count = _stopped_after(stderr, "<stdin>")
    _, lines = _partial_lines(tmp_path)
    assert len(lines) == count
    assert 0 < count <= 150
    assert not target.exists()


# Issue 13, item 1: the summary.


def _summary_of(explanation: Explanation) -> dict[str, Any]:
    """The summary as the issue defines it, built here independently of the engine's code."""
    return {
        "disease": explanation.profile.disease,
        "statuses": {option.id: option.status.value for option in explanation.options},
        "needs": {
            option.id: list(option.needs)
            for option in explanation.options
            if option.status is Status.NEEDS_INFORMATION
        },
        "notes": {note.id: note.status.value for note in explanation.notes},
        "missing_information": list(explanation.missing_information),
        "rulebase_version": explanation.provenance.rulebase_version,
    }


def test_summary_lines(tmp_path: Path, rulebase: Rulebase) -> None:
    data, good = _thousand_lines()
    source, target, full = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "full.jsonl"
    source.write_bytes(data)
    assert main(["explain", "--batch", str(source), "-o", str(target), "--summary"]) == 1
    assert main(["explain", "--batch", str(source), "-o", str(full)]) == 1
    full_lines = [json.loads(line) for line in full.read_text(encoding="utf-8").splitlines()]
    out = target.read_text(encoding="utf-8").splitlines()
    assert len(out) == 1000
    needing = 0
    for text, full_line in zip(out, full_lines, strict=True):
        record = json.loads(text)
        number = record["line"]
        if "error" in full_line:
            assert record == full_line
            ErrorLine.model_validate_json(text)
            continue
        SummaryLine.model_validate_json(text)
        profile = dict(good[number])
        ident = profile.pop("id", None)
        expected = _summary_of(explain(profile, rulebase=rulebase))
        assert record == {"line": number, "id": ident, **expected}
        needing += bool(record["needs"])
    assert needing > 100, "the sample must exercise needs"


def test_summary_of_a_mixed_cohort_is_small(rulebase: Rulebase) -> None:
    aml = [p.model_dump(mode="json") for p in every_profile("AML")]
    all_ = [p.model_dump(mode="json") for p in every_profile("ALL")]
    cohort = [
        json.dumps({"id": f"patient-{n}", **(aml if n % 2 else all_)[n // 2 % 108]}).encode()
        for n in range(2000)
    ]
    sizes = [len(line) + 1 for line in explain_jsonl(cohort, rulebase, summary=True)]
    assert sum(sizes) / len(sizes) <= 600


def test_summary_for_library_callers(rulebase: Rulebase) -> None:
    ok, bad = explain_many(
        [{"disease": "AML"}, {"disease": "AML", "transplant_status": "later"}], rulebase=rulebase
    )
    summary = ok.summary()
    assert isinstance(summary, SummaryLine)
    assert summary.model_dump(mode="json") == {
        "line": 1,
        "id": None,
        **_summary_of(explain({"disease": "AML"}, rulebase=rulebase)),
    }
    error = bad.summary()
    assert isinstance(error, ErrorLine)
    assert (error.line, error.field) == (2, "transplant_status")


def test_summary_needs_batch() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["explain", "a.yaml", "--summary"])
    assert exited.value.code == 2


# Issue 13, item 2: repeated inputs reuse their outcome, and only when provably the same.


def test_repeated_profiles_are_validated_once(
    rulebase: Rulebase, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    original = batch_module.validate_profile

    def counting(profile: Any, *args: Any) -> Any:
        calls.append(profile)
        return original(profile, *args)

    monkeypatch.setattr(batch_module, "validate_profile", counting)
    lines = [b'{"id": %d, "disease": "AML", "flt3_mutation": true}' % n for n in range(500)]
    pieces = list(jsonl_pieces(lines, rulebase))
    assert len(calls) == 1
    assert len({id(rest) for _, rest in pieces}) == 1, "the encoded result is reused"
    assert [json.loads(head + rest)["id"] for head, rest in pieces] == list(range(500))


LOOKALIKES = [
    '{"disease": "AML", "flt3_mutation": true}',
    '{"disease": "AML", "flt3_mutation": 1}',
    '{"disease": "AML", "flt3_mutation": 1.0}',
    '{"disease": "AML", "flt3_mutation": "true"}',
    '{"disease": "AML", "flt3_mutation": false}',
    '{"disease": "AML", "flt3_mutation": 0}',
    '{"disease": "AML", "flt3_mutation": 0.0}',
    '{"disease": "AML", "flt3_mutation": -0.0}',
    '{"disease": "AML", "flt3_mutation": null}',
    '{"disease": "AML", "flt3_mutation": "unknown"}',
    '{"disease": "AML", "flt3_mutation": [true]}',
    '{"flt3_mutation": true, "disease": "AML"}',
    '{"disease": "AML", "in_remission": true}',
    '{"disease": "aml", "flt3_mutation": true}',
    '{"id": 1, "disease": "AML", "flt3_mutation": true}',
    '{"id": "x", "disease": "AML", "flt3_mutation": true}',
    '{"id":1,"disease": "AML", "flt3_mutation": true}',
    '{"id": 1, "disease": "AML", "flt3_mutation": 1}',
    '{"id": 1, "disease": "AML", "flt3_mutation": true }',
    '{"id": true, "disease": "AML", "flt3_mutation": true}',
    '{"id": [1], "disease": "AML", "flt3_mutation": true}',
    '{"id": {"a": 1}, "disease": "AML", "flt3_mutation": true}',
    '{"id": 2, "disease": "AML", "flt3_mutation": true, "id": 3}',
    '{"id": 2, "disease": "AML", "id": 3, "flt3_mutation": true}',
    '{"id": 1.5, "disease": "AML", "flt3_mutation": true',
    '{"id": NaN, "disease": "AML", "flt3_mutation": true}',
    '{"id": "a\\u0000", "disease": "ALL"}',
    '{"id" : 1, "disease": "ALL"}',
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(LOOKALIKES), min_size=1, max_size=30))
def test_the_outcome_memo_never_answers_for_another_input(lines: list[str]) -> None:
    rulebase = _shared_rulebase()
    together = list(explain_jsonl([line.encode() for line in lines], rulebase))
    alone = [
        next(explain_jsonl([line.encode()], rulebase)).replace('"line":1,', f'"line":{n},', 1)
        for n, line in enumerate(lines, start=1)
    ]
    assert together == alone


@functools.cache
def _shared_rulebase() -> Rulebase:
    return load_rulebase()


def test_a_terminal_as_stdin_and_stdout_is_not_refused() -> None:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(PATHWAY), "explain", "--batch", "-", "--summary"],
            stdin=terminal,
            stdout=terminal,
            stderr=subprocess.PIPE,
        )
        os.write(controller, b'{"id": "t", "disease": "ALL"}\n\x04')  # a line, then Ctrl-D
        seen = b""
        deadline = time.monotonic() + 60
        while b'"id":"t"' not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if ready:
                seen += os.read(controller, 65536)
        _, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 0, stderr
    assert b'"id":"t","disease":"ALL"' in seen
