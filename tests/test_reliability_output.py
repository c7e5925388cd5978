"""Output that cannot be written is an input/output error: a message naming the path and exit 2,
never a traceback, for every command (real subprocesses, real /dev/full and closed streams)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PATHWAY = Path(sys.executable).with_name("pathway")
PROFILE = Path(__file__).resolve().parent.parent / "examples" / "profiles"
COMMANDS = [
    ["explain", "PROFILE"],
    ["explain", "PROFILE", "--format", "json"],
    ["check"],
    ["schema"],
    ["coverage"],
    ["table"],
    ["walkthrough"],
    ["walkthrough", "--list"],
]


def _profile() -> str:
    return str(sorted(PROFILE.glob("*.yaml"))[0])


def _run(command: list[str], redirection: str) -> subprocess.CompletedProcess[str]:
    words = " ".join(_profile() if word == "PROFILE" else word for word in command)
    return subprocess.run(
        f"{PATHWAY} {words} {redirection}",
        shell=True,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_stdout_on_a_full_device_is_a_message_and_exit_2(command: list[str]) -> None:
    completed = _run(command, "> /dev/full")
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stderr.startswith("pathway: error: <stdout>: cannot write: No space left"), (
        completed.stderr
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_a_closed_stdout_is_a_message_and_exit_2(command: list[str]) -> None:
    completed = _run(command, ">&-")
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "pathway: error: <stdout>: cannot write: standard output is closed" in (completed.stderr)


def test_a_closed_stdin_is_a_message_and_exit_2() -> None:
    completed = subprocess.run(
        f"{PATHWAY} explain - <&-",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "pathway: error: <stdin>: cannot read: standard input is closed" in completed.stderr
