"""`make bench`, speed part (issue 13): every figure beside a floor measured in the same run.

- cold start: `pathway explain FILE` against a Python process that imports yaml and durable and
  builds and uses one Pydantic validator (the least any Pydantic program pays), run alternately;
- unknown facts: one all-unknown profile over a synthetic space (the AML fields plus 4, 8 or 12
  extra yes/no facts, rules in the shapes of the shipped ones plus two rules sharing a field),
  judged by enumeration (the reference) and by modal evaluation, each with empty memos;
- raw durable-rules: one assertion + retraction of a complete profile, the unit of engine work;
- warm `explain`: a repeated profile served from the memo.

Not collected by pytest. Prints the machine and a table; exits 1 if a target is missed.
Run: `.venv/bin/python tests/benchmarks/bench_speed.py` (add `--quick` for fewer repeats).
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from report import Row, machine, print_table  # tests/benchmarks/report.py, beside this script

from engine import explain
from engine.domain.conditions import Group, Leaf, Node
from engine.domain.profile_space import Value, field_domains
from engine.matching.compiler import (
    compile_condition,
    encode_fact,
)
from engine.matching.durable_adapter import DurableMatcher
from engine.matching.limits import pack_rulesets
from engine.matching.modal import Clause
from engine.matching.modal_firing import ModalFiring
from engine.reasoning.evaluation import Worlds, judge
from engine.reasoning.explainer import default_rulebase
from engine.reasoning.modal import ModalView
from engine.rulebase.model import unless_name, when_name

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PATHWAY = Path(sys.executable).with_name("pathway")
ONE_PROFILE_FILE = PROJECT_ROOT / "examples" / "profiles" / "aml-intermediate-no-transplant.yaml"
FLOOR_CODE = (
    "import yaml, durable.engine\n"
    "from pydantic import TypeAdapter\n"
    "TypeAdapter(int).validate_python(1)\n"
)
COMPLETE_PROFILE = {
    "disease": "AML",
    "cytogenetic_risk": "intermediate",
    "flt3_mutation": False,
    "transplant_status": "ineligible",
    "in_remission": True,
}
QUICK = "--quick" in sys.argv
# Enumeration at 12 extra facts asks durable-rules 147,456 times and aggregates in Python for
# minutes; it is the reference, so it is measured where it finishes.
ENUMERATED_UP_TO = 4 if QUICK else 8


def cold_start() -> list[Row]:
    """Median wall time of each, run alternately so that both see the same machine load."""
    # As pip does for an installed package (and as the floor's packages in site-packages are):
    # byte-compile the project first, so that neither side compiles source on every start, even
    # where PYTHONDONTWRITEBYTECODE keeps Python from writing bytecode itself.
    for package in ("engine", "schemas"):
        compileall.compile_dir(PROJECT_ROOT / package, quiet=1)
    floor_argv = [sys.executable, "-c", FLOOR_CODE]
    explain_argv = [str(PATHWAY), "explain", str(ONE_PROFILE_FILE)]
    floor: list[float] = []
    command: list[float] = []
    for _ in range(7 if QUICK else 21):
        for argv, times in ((floor_argv, floor), (explain_argv, command)):
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    floor_median, command_median = statistics.median(floor), statistics.median(command)
    ratio = command_median / floor_median
    return [
        ("floor: import yaml + durable, one Pydantic validator", _ms(floor_median), "", None),
        ("cold start: `pathway explain FILE`", _ms(command_median), "", None),
        ("cold start ÷ floor (medians)", f"{ratio:.2f}×", "≤ 1.6×", ratio <= 1.6),
    ]


# --- unknown facts ----------------------------------------------------------------------------


def synthetic_space(extra: int) -> tuple[dict[str, tuple[Value, ...]], list[list[Clause]]]:
    """The AML fields plus `extra` yes/no facts. Options: the shipped shapes (a two-leaf and a
    three-leaf conjunction, an `always`, a one-leaf note), one option per extra fact (in the
    shape "x and risk is intermediate or unfavourable", every third with an `unless` on the next
    fact), and one option of two rules that share a field (the enumerated fallback)."""
    domains: dict[str, tuple[Value, ...]] = dict(field_domains("AML"))
    facts = [f"extra_{n}" for n in range(extra)]
    domains.update({name: (True, False) for name in facts})
    risk = Leaf("cytogenetic_risk", ("intermediate", "unfavourable"), True)
    options: list[list[Clause]] = [
        [Clause("chemo", Group("all", (risk, Leaf("transplant_status", ("ineligible",), True))))],
        [
            Clause(
                "sorafenib",
                Group(
                    "all",
                    (
                        Leaf("flt3_mutation", (True,), True),
                        Leaf("transplant_status", ("received",), True),
                        Leaf("in_remission", (True,), True),
                    ),
                ),
            )
        ],
        [Clause("always", Group("all", ()))],
        [Clause("note", Leaf("cytogenetic_risk", ("favourable",), True))],
        [
            Clause("shared-a", Group("all", (Leaf("flt3_mutation", (True,), True), risk))),
            Clause(
                "shared-b",
                Group(
                    "all",
                    (Leaf("flt3_mutation", (True,), False), Leaf("in_remission", (True,), True)),
                ),
            ),
        ],
    ]
    for index, name in enumerate(facts):
        unless: Node | None = None
        if index % 3 == 2 and index + 1 < len(facts):
            unless = Leaf(facts[index + 1], (True,), True)
        options.append(
            [Clause(f"x{index}", Group("all", (Leaf(name, (True,), True), risk)), unless)]
        )
    return domains, options


def enumeration_fired(
    domains: Mapping[str, tuple[Value, ...]], clauses: Sequence[Clause]
) -> Callable[[dict[str, Value]], frozenset[str]]:
    """The reference path's firing over an explicit space: one assertion per complete profile."""
    conditions: dict[str, Any] = {}
    for clause in clauses:
        conditions[when_name(clause.id)] = compile_condition(clause.when)
        if clause.unless is not None:
            conditions[unless_name(clause.id)] = compile_condition(clause.unless)
    rulesets = pack_rulesets("bench", conditions)
    matcher = DurableMatcher(rulesets)

    def fired(world: dict[str, Value]) -> frozenset[str]:
        fact = encode_fact(world)
        return frozenset().union(*(matcher.fired(name, fact) for name in rulesets))

    return fired


def unknown_facts() -> list[Row]:
    unit = 1 / raw_durable_rate()
    rows: list[Row] = []
    for extra in (4, 8, 12):
        domains, options = synthetic_space(extra)
        clauses = [clause for option in options for clause in option]
        all_unknown: dict[str, Value | None] = dict.fromkeys(domains)
        firing = ModalFiring({"X": clauses}, {"X": domains})
        firing.holding("X", dict.fromkeys(domains))  # registration is not part of a profile
        modal_times = []
        for _ in range(3 if QUICK else 7):
            firing.forget()
            start = time.perf_counter()
            view = ModalView(firing, "X", all_unknown)
            modal = [view.judge(option) for option in options]
            modal_times.append(time.perf_counter() - start)
        modal_time = min(modal_times)
        completions = 1
        for domain in domains.values():
            completions *= len(domain)
        label = (
            f"all unknown, {extra} extra facts ({len(domains)} fields, {completions:,} completions)"
        )
        if extra > ENUMERATED_UP_TO:
            rows.append((f"{label}: enumeration", "not run (too slow)", "reference", None))
            modal_row = (
                f"{label}: modal",
                f"{_ms(modal_time)} ({modal_time / unit:,.0f} raw evaluations)",
            )
        else:
            fired = enumeration_fired(domains, clauses)
            start = time.perf_counter()
            worlds = Worlds.enumerate(domains, all_unknown, fired)
            reference = [judge(option, worlds) for option in options]
            enumeration_time = time.perf_counter() - start
            if modal != reference:
                raise SystemExit(f"modal and enumeration verdicts differ at {extra} extra facts")
            rows.append((f"{label}: enumeration", _ms(enumeration_time), "reference", None))
            modal_row = (
                f"{label}: modal (same verdicts)",
                f"{_ms(modal_time)} ({modal_time / unit:,.0f} raw evaluations; "
                f"{enumeration_time / modal_time:,.0f}× faster)",
            )
        rows.append(
            (
                *modal_row,
                "< 20 ms" if extra == 12 else "",
                modal_time < 0.020 if extra == 12 else None,
            )
        )
    return rows


# --- per evaluation ----------------------------------------------------------------------------


def best_rate(action: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Calls per second, the best of `repeats` runs of `calls` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, time.perf_counter() - start)
    return calls / best


def raw_durable_rate() -> float:
    """Assertions + retractions of one complete profile per second, through the adapter."""
    rulebase = default_rulebase()
    validated = explain(COMPLETE_PROFILE, rulebase=rulebase).profile
    facts = {k: v for k, v in validated.model_dump().items() if k != "disease"}
    fact = encode_fact(facts)
    # The rulebase's own matcher past its memo: every call asks durable-rules.
    return best_rate(lambda: rulebase.firing._ask("AML", fact), 2_000 if QUICK else 5_000)


def per_evaluation() -> list[Row]:
    rulebase = default_rulebase()
    validated = explain(COMPLETE_PROFILE, rulebase=rulebase).profile
    raw = raw_durable_rate()
    warm = best_rate(lambda: explain(COMPLETE_PROFILE, rulebase=rulebase), 20_000)
    warm_validated = best_rate(lambda: explain(validated, rulebase=rulebase), 20_000)
    return [
        (
            "raw durable-rules, one complete profile (assert + retract)",
            f"{1e6 / raw:.1f} µs ({raw:,.0f}/s)",
            "unit",
            None,
        ),
        (
            "warm explain, repeated profile (mapping in)",
            f"{1e6 / warm:.1f} µs ({raw / warm:.2f} raw evaluations)",
            "",
            None,
        ),
        (
            "warm explain, repeated profile (validated in)",
            f"{1e6 / warm_validated:.1f} µs ({raw / warm_validated:.2f} raw evaluations)",
            "",
            None,
        ),
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def main() -> int:
    rows: list[Row] = []
    for section in (cold_start, unknown_facts, per_evaluation):
        rows += section()
    print(machine())
    return print_table(rows)


if __name__ == "__main__":
    sys.exit(main())
