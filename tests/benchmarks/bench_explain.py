"""`make bench`: how fast the explainer is on this machine, against the targets of issue 5.

Cold start and raw durable-rules per evaluation are in bench_speed.py (as ratios to floors).
Not collected by pytest (the file name does not start with `test_`). Prints a table and exits 1 if
a target is missed. Run: `.venv/bin/python tests/benchmarks/bench_explain.py`.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from report import Row, machine, print_table  # tests/benchmarks/report.py, beside this script

from engine import explain, load_rulebase
from engine.domain.profile_space import every_profile
from engine.reasoning.batch import explain_jsonl, read_lines
from engine.reasoning.explainer import default_rulebase

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PATHWAY = Path(sys.executable).with_name("pathway")
# A complete profile, so that the raw durable-rules reference evaluates exactly one fact.
COMPLETE_PROFILE = {
    "disease": "AML",
    "cytogenetic_risk": "intermediate",
    "flt3_mutation": False,
    "transplant_status": "ineligible",
    "in_remission": True,
}
BATCH_LINES = 100_000
DISEASES = ("AML", "ALL")


def best_rate(action: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Calls per second, the best of `repeats` runs of `calls` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, time.perf_counter() - start)
    return calls / best


def warm_explain() -> list[Row]:
    rulebase = default_rulebase()
    explain(COMPLETE_PROFILE, rulebase=rulebase)
    mapping_rate = best_rate(lambda: explain(COMPLETE_PROFILE, rulebase=rulebase), 50_000)
    validated = explain(COMPLETE_PROFILE, rulebase=rulebase).profile
    model_rate = best_rate(lambda: explain(validated, rulebase=rulebase), 50_000)
    return [
        (
            "warm explain, repeated profile (mapping in)",
            f"{mapping_rate:,.0f}/s ({1e6 / mapping_rate:.1f} µs)",
            "≥ 50,000/s",
            mapping_rate >= 50_000,
        ),
        (
            "warm explain, repeated profile (validated in)",
            f"{model_rate:,.0f}/s ({1e6 / model_rate:.1f} µs)",
            "",
            None,
        ),
    ]


def whole_space_cold() -> list[Row]:
    """Every profile of both diseases on a freshly loaded rulebase: both memos empty."""
    rulebase = load_rulebase()
    start = time.perf_counter()
    count = 0
    for disease in DISEASES:
        for profile in every_profile(disease):
            explain(profile, rulebase=rulebase)
            count += 1
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for disease in DISEASES:
        for profile in every_profile(disease):
            explain(profile, rulebase=rulebase)
    warm = time.perf_counter() - start
    rows: list[Row] = [
        (
            f"whole space, empty cache ({count} profiles)",
            f"{cold * 1000:.0f} ms ({count / cold:,.0f}/s)",
            "",
            None,
        ),
        (
            "both decision tables, cold (enumerate + explain)",
            f"{cold * 1000:.0f} ms",
            "< 1 s",
            cold < 1.0,
        ),
        (
            "both decision tables, warm (enumerate + explain)",
            f"{warm * 1000:.1f} ms",
            "< 1 s",
            warm < 1.0,
        ),
    ]
    rows += decision_table_module()
    return rows


def decision_table_module() -> list[Row]:
    """engine/decision_table.py (written in parallel), when it exists."""
    if importlib.util.find_spec("engine.review.decision_table") is None:
        return []
    build = importlib.import_module("engine.review.decision_table").decision_table
    rulebase = load_rulebase()
    start = time.perf_counter()
    for disease in DISEASES:
        build(rulebase, disease)
    elapsed = time.perf_counter() - start
    return [
        (
            "engine.review.decision_table, both diseases, cold",
            f"{elapsed * 1000:.0f} ms",
            "< 1 s",
            elapsed < 1.0,
        )
    ]


def batch_lines() -> bytes:
    profiles: list[dict[str, Any]] = []
    for disease in DISEASES:
        for profile in every_profile(disease):
            profiles.append(profile.model_dump(mode="json"))
    lines = []
    for number in range(BATCH_LINES):
        lines.append(json.dumps({"id": f"p{number}", **profiles[number % len(profiles)]}))
    return ("\n".join(lines) + "\n").encode()


def batch() -> list[Row]:
    data = batch_lines()
    rulebase = load_rulebase()
    start = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for line in explain_jsonl(read_lines(io.BytesIO(data)), rulebase):
            sink.write(line)
            sink.write("\n")
    in_process = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.jsonl"
        source.write_bytes(data)
        start = time.perf_counter()
        done = subprocess.run(
            [str(PATHWAY), "explain", "--batch", str(source), "-o", os.devnull], check=False
        )
        cli = time.perf_counter() - start
    return [
        (
            f"batch, {BATCH_LINES:,} lines in process (empty cache)",
            f"{in_process:.2f} s ({BATCH_LINES / in_process:,.0f} lines/s)",
            "< 10 s",
            in_process < 10,
        ),
        (
            f"batch, {BATCH_LINES:,} lines via `pathway explain --batch`",
            f"{cli:.2f} s (exit {done.returncode})",
            "< 10 s",
            cli < 10 and done.returncode == 0,
        ),
    ]


def main() -> int:
    rows: list[Row] = []
    for section in (warm_explain, whole_space_cold, batch):
        rows += section()
    print(machine())
    return print_table(rows)


if __name__ == "__main__":
    sys.exit(main())
