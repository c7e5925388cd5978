"""Reliability under volume, threads and bad input: the same results from any thread, flat memory
over many calls, only results or clean errors for any input, safe YAML, several rulebases."""

from __future__ import annotations

import contextlib
import io
import json
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from strategies import json_values, profile_like_mappings, yaml_like_text

from engine import Explanation, Rulebase, Status, explain, load_rulebase
from engine.cli import main
from engine.domain.profile_space import completions, every_profile
from tests.durable_reference import durable_reference

PATHWAY = Path(sys.executable).with_name("pathway")
THREADS = 16
ALL_PROFILES = [p for disease in ("AML", "ALL") for p in every_profile(disease)]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _in_threads(work: Callable[[int], Any]) -> list[Any]:
    """Run `work(thread_number)` in THREADS threads started together; their results in order."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            barrier.wait()
            results[number] = work(number)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return results


def test_sixteen_threads_over_the_whole_space_match_sequential(rulebase: Rulebase) -> None:
    sequential = {p: explain(p, rulebase=rulebase).model_dump(mode="json") for p in ALL_PROFILES}
    fresh = load_rulebase()  # empty memos: threads race to fill them through durable-rules

    def work(number: int) -> dict[Any, Explanation]:
        order = list(ALL_PROFILES)
        random.Random(number).shuffle(order)
        return {profile: explain(profile, rulebase=fresh) for profile in order}

    per_thread = _in_threads(work)
    for profile, expected in sequential.items():
        first = per_thread[0][profile]
        assert first.model_dump(mode="json") == expected, profile
        # The memo hands every thread the one stored object.
        assert all(results[profile] is first for results in per_thread)


def test_sixteen_threads_through_durable_rules_uncached(rulebase: Rulebase) -> None:
    worlds = [("AML", w) for w in completions("AML", {})] + [
        ("ALL", w) for w in completions("ALL", {})
    ]
    fired = durable_reference(rulebase)
    sequential = [fired(d, w) for d, w in worlds]

    def work(number: int) -> list[frozenset[str]]:
        return [fired(d, w) for d, w in worlds]

    assert all(result == sequential for result in _in_threads(work))
    assert any(sequential), "some rule must fire somewhere"


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_two_hundred_thousand_calls_keep_memory_flat(rulebase: Rulebase) -> None:
    mappings = [p.model_dump(mode="json") for p in ALL_PROFILES]
    for mapping in mappings * 3:  # warm-up: every result cached, allocator settled
        explain(mapping, rulebase=rulebase)
    before = _rss_kib()
    calls = 0
    while calls < 200_000:
        for mapping in mappings:
            explain(mapping, rulebase=rulebase)
        calls += len(mappings)
    grown_mib = (_rss_kib() - before) / 1024
    assert grown_mib < 20, f"resident memory grew by {grown_mib:.1f} MiB over {calls:,} calls"


@FUZZ
@given(st.one_of(json_values(), profile_like_mappings()))
def test_explain_gives_a_result_or_a_validation_error(value: Any) -> None:
    try:
        result = explain(value)
    except ValidationError as error:
        assert error.errors(), "a ValidationError names what is wrong"
        return
    assert isinstance(result, Explanation)
    assert result.disclaimer


def _run_cli(argv: list[str], stdin: bytes) -> tuple[int, str, str]:
    """`pathway ...` in this process, with `stdin` as standard input: (exit code, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    original = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = original
    return code, out.getvalue(), err.getvalue()


@FUZZ
@given(
    st.one_of(
        yaml_like_text().map(str.encode),
        st.text().map(str.encode),
        json_values().map(lambda v: json.dumps(v).encode()),
        profile_like_mappings().map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=40),
    )
)
def test_pathway_explain_exits_0_or_2_without_traceback(data: bytes) -> None:
    code, out, err = _run_cli(["explain", "-"], data)
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 0:
        assert out and not err
    else:
        assert err.startswith("pathway: error: <stdin>: "), err
        assert out == ""


def _lines() -> st.SearchStrategy[str]:
    no_newline = st.text().map(lambda text: text.replace("\n", " "))
    return st.one_of(
        no_newline,
        json_values().map(json.dumps),
        profile_like_mappings().map(json.dumps),
    )


@FUZZ
@given(st.lists(_lines(), max_size=8))
def test_batch_gives_one_output_line_per_input_line(lines: list[str]) -> None:
    data = "".join(f"{line}\n" for line in lines).encode("utf-8", errors="surrogatepass")
    code, out, err = _run_cli(["explain", "--batch", "-"], data)
    assert "Traceback" not in err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records] == list(range(1, len(lines) + 1))
    assert all(("explanation" in r) != ("error" in r) for r in records)
    assert code == (1 if any("error" in r for r in records) else 0)


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["explain", "-"], b"disease: AML\ncytogenetic_risk: [unterminated\n"),
        (["explain", "--batch", "-"], b'{"disease": "ALL"}\n{oops\n\n'),
    ],
)
def test_installed_command_never_shows_a_traceback(argv: list[str], stdin: bytes) -> None:
    done = subprocess.run(
        [str(PATHWAY), *argv], input=stdin, capture_output=True, check=False, timeout=60
    )
    assert b"Traceback" not in done.stderr
    if "--batch" in argv:
        assert done.returncode == 1
        assert len(done.stdout.splitlines()) == 3
    else:
        assert done.returncode == 2
        assert done.stderr.startswith(b"pathway: error: <stdin>: not valid YAML or JSON")


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (BILLION_LAUGHS, "anchors and aliases (&name, *name) are not accepted"),
        ("disease: &d AML\nsubtype: *d\n", "anchors and aliases"),
        ("!!python/object/apply:os.system ['echo pwned']\n", "could not determine a constructor"),
        ("disease: !!python/object:builtins.object {}\n", "could not determine a constructor"),
        ("disease: !!python/name:os.system\n", "could not determine a constructor"),
        ("disease: AML\ncytogenetic_risk: favourable\ndisease: ALL\n", "key 'disease' is repeated"),
        ('{"disease": "AML", "disease": "ALL"}', "key 'disease' is repeated"),
    ],
)
def test_dangerous_yaml_is_refused_with_a_clear_message(
    text: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(text, encoding="utf-8")
    assert main(["explain", str(profile)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    first_line = captured.err.splitlines()[0]
    assert first_line.startswith(f"pathway: error: {profile}: not valid YAML or JSON: line ")
    assert words in first_line


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Regressions: each raised a plain Python error (a traceback) before safe_yaml caught it.
        ("!!set disease\n", "expected a mapping node, but found scalar"),
        ("[!!set a]\n", "expected a mapping node"),
        ("disease: !!bool maybe\n", "a tagged value cannot be read"),
        ("disease: !!int abc\n", "a tagged value cannot be read"),
        ("disease: AML\nflt3_mutation: 2020-13-45\n", "month must be in 1..12"),
    ],
)
def test_bad_tagged_values_are_input_errors(text: str, words: str) -> None:
    code, out, err = _run_cli(["explain", "-"], text.encode())
    assert code == 2
    assert out == ""
    assert err.startswith("pathway: error: <stdin>: not valid YAML or JSON: ")
    assert words in err


def test_loading_the_rules_directory_twice(rulebase: Rulebase) -> None:
    first, second = load_rulebase(), load_rulebase()
    assert first.firing is not second.firing
    for profile in ALL_PROFILES[::7]:
        one, two = explain(profile, rulebase=first), explain(profile, rulebase=second)
        assert one == two == explain(profile, rulebase=rulebase)
        assert one is not two


def test_two_rules_directories_in_one_process(
    rulebase: Rulebase, rules_copy: Path, edit_file: Callable[[Path, str, str], None]
) -> None:
    # In the copy, maintenance chemotherapy is (wrongly, on purpose) tied to being eligible.
    edit_file(
        rules_copy / "aml.yaml",
        "        - field: transplant_status\n          is: ineligible\n",
        "        - field: transplant_status\n          is: eligible\n",
    )
    edited = load_rulebase(rules_copy)
    original = load_rulebase()
    unable = {
        "disease": "AML",
        "cytogenetic_risk": "unfavourable",
        "transplant_status": "ineligible",
    }
    eligible = {**unable, "transplant_status": "eligible"}

    def chemotherapy(profile: dict[str, str], chosen: Rulebase) -> Status:
        options = explain(profile, rulebase=chosen).options
        return next(o.status for o in options if o.id == "aml-oral-azacitidine")

    for _ in range(2):  # interleaved, and again from the memos
        assert chemotherapy(unable, original) is Status.APPLIES
        assert chemotherapy(unable, edited) is Status.DOES_NOT_APPLY
        assert chemotherapy(eligible, original) is Status.DOES_NOT_APPLY
        assert chemotherapy(eligible, edited) is Status.APPLIES
        assert chemotherapy(unable, rulebase) is Status.APPLIES
    assert edited.sha256 != original.sha256
    assert explain(unable, rulebase=edited).provenance.rulebase_sha256 == edited.sha256
