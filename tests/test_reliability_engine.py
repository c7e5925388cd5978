"""The engine cannot be poisoned, and is fork-safe: an interrupt or an exception at any instant of
an evaluation, or a fork while other threads are inside the engine, leaves the next call correct."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import EngineError, load_rulebase
from engine.domain.profile_space import completions
from engine.matching import durable_adapter
from engine.matching.compiler import encode_fact

SCRIPTS = Path(__file__).parent / "reliability_scripts"


def _script(name: str, *args: object, timeout: float) -> dict[str, int]:
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stderr == "", completed.stderr[-3000:]
    result: dict[str, int] = json.loads(completed.stdout.splitlines()[-1])
    return result


def test_interrupts_at_random_instants_never_poison_the_engine() -> None:
    # SIGALRM at a random instant (0.1-4 ms) raises KeyboardInterrupt inside an evaluation pass;
    # after each one, every complete profile must get the answers it had before.
    result = _script("interrupt_evaluations.py", 150, 7, 20, timeout=90)
    assert result["rounds"] >= 30, result
    assert result["landed"] >= result["rounds"] // 2, result
    assert result["wrong"] == 0, result


def _worlds() -> list[tuple[str, dict[str, object]]]:
    return [(d, dict(w)) for d in ("AML", "ALL") for w in completions(d, {})]


def test_an_exception_inside_an_action_is_raised_and_the_next_call_is_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rulebase = load_rulebase()

    def ask(disease: str, world: dict[str, object]) -> frozenset[str]:
        # The rulebase's own matcher, past its memo: every call really asks durable-rules.
        return rulebase.firing._ask(disease, encode_fact(world))

    worlds = _worlds()
    expected = [ask(d, w) for d, w in worlds]
    engine = rulebase.firing._matcher._engine
    calls = {"n": 0}
    original = engine._fired.append

    def failing_once(name: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(name)

    # The Host records through the list's bound `append`; swap the list's owner-facing hook.
    monkeypatch.setattr(engine._host, "_record", failing_once)
    with pytest.raises(KeyboardInterrupt):
        for disease, world in worlds:
            ask(disease, world)
    monkeypatch.undo()
    assert [ask(d, w) for d, w in worlds] == expected


def test_an_unclean_state_is_reported_and_rebuilt() -> None:
    rulebase = load_rulebase()

    def ask(disease: str, world: dict[str, object]) -> frozenset[str]:
        # The rulebase's own matcher, past its memo: every call really asks durable-rules.
        return rulebase.firing._ask(disease, encode_fact(world))

    disease, world = _worlds()[0]
    expected = ask(disease, world)
    engine = rulebase.firing._matcher._engine
    ruleset = rulebase.firing._rulesets[disease][0]
    # A fact left behind by an interrupted call, as the unguarded adapter used to leave it.
    engine._host.assert_fact(ruleset, {"kind": "profile", "sid": "pathway", "left": "over"})
    with pytest.raises(EngineError, match="unclean"):
        ask(disease, world)
    rebuilds = engine.rebuilds
    assert ask(disease, world) == expected
    assert engine.rebuilds == rebuilds + 1


def test_repeated_loads_share_one_engine() -> None:
    load_rulebase()
    before = durable_adapter.engine_count()
    for _ in range(20):
        load_rulebase()
    assert durable_adapter.engine_count() == before


def test_children_forked_while_threads_are_inside_the_engine_answer_correctly() -> None:
    # Four threads evaluate without the memo while the main thread forks at random instants; a
    # child that inherits a held lock hangs and is killed after 5 s.
    result = _script("fork_during_evaluations.py", 30, 3, 20, timeout=120)
    assert result["forks"] >= 10, result
    assert result["hung"] == 0, result
    assert result["wrong"] == 0, result
    assert result["right"] == result["forks"], result
