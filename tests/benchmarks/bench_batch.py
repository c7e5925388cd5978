"""`make bench`: `pathway explain --batch` on a mixed cohort, against floors measured in the same run.

Not collected by pytest. Writes 200,000 JSON lines (half AML, half ALL, every line with its own
id) to a temporary directory, then times, each in its own process and on the same file:

- the floor: a bare Python pass that only runs `json.loads` over the lines;
- `pathway explain --batch IN -o OUT --summary`, target: within 5x the floor;
- `pathway explain --batch IN -o OUT` (full explanations, about 11 kB a line), target: at least 2x
  faster than the figure measured on this machine before the batch was rewritten
  (`BEFORE_FULL_SECONDS`, commit c328c37, same script).

Prints lines/s, bytes/line and peak RSS of each, and the ratios; exits 1 if a target is missed.
Bounded: every process has a timeout and the temporary directory is removed at the end.
Run: `.venv/bin/python tests/benchmarks/bench_batch.py`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.domain.profile_space import every_profile

LINES = 200_000
PATHWAY = Path(sys.executable).with_name("pathway")
TIMEOUT_SECONDS = 600
# Full mode on the code before this benchmark existed (commit c328c37), this machine: 2 cores,
# 24 GiB, Python 3.11.7, x86_64; the best of 2 runs x 2 invocations of this script (13.18 s and
# 26.88 s: the machine is shared, so figures vary with its load).
BEFORE_FULL_SECONDS = 13.18
SUMMARY_TARGET_RATIO = 5.0
FULL_TARGET_SPEEDUP = 2.0
SUMMARY_TARGET_BYTES = 600
FLOOR_PROGRAM = (
    "import json, sys\n"
    "with open(sys.argv[1], 'rb') as lines:\n"
    "    for line in lines:\n"
    "        json.loads(line)\n"
)


def cohort() -> bytes:
    """LINES lines alternating AML and ALL, cycling through each disease's whole profile space,
    each line with a distinct id (so no two lines are byte-for-byte the same)."""
    spaces = [
        [profile.model_dump(mode="json") for profile in every_profile(disease)]
        for disease in ("AML", "ALL")
    ]
    lines = []
    for number in range(LINES):
        space = spaces[number % 2]
        profile: dict[str, Any] = space[(number // 2) % len(space)]
        lines.append(json.dumps({"id": f"patient-{number}", **profile}))
    return ("\n".join(lines) + "\n").encode()


# Runs one command and reports its wall time, exit code and peak RSS. A small driver of its own,
# because a child's peak RSS counts the memory of the process that started it (the exec happens
# from a copy of the parent), and this benchmark holds the whole cohort in memory.
DRIVER_PROGRAM = (
    "import json, os, signal, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)\n"
    "signal.signal(signal.SIGALRM, lambda *_: child.kill())\n"
    "signal.alarm(int(sys.argv[1]))\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "elapsed = time.perf_counter() - start\n"
    "print(json.dumps([elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss]))\n"
)


def timed(argv: Sequence[str]) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak RSS in kB) of one process."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", DRIVER_PROGRAM, str(TIMEOUT_SECONDS), *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT_SECONDS + 30,
    )
    elapsed, code, peak = json.loads(done.stdout)
    return float(elapsed), int(code), int(peak)


def best_of(runs: int, argv: Sequence[str]) -> tuple[float, int, int]:
    results = [timed(argv) for _ in range(runs)]
    return min(results, key=lambda result: result[0])


def supports_summary() -> bool:
    done = subprocess.run(
        [str(PATHWAY), "explain", "--help"], capture_output=True, text=True, check=False
    )
    return "--summary" in done.stdout


def main() -> int:
    rows: list[tuple[str, str, str, bool | None]] = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        source, target = Path(folder) / "cohort.jsonl", Path(folder) / "out.jsonl"
        source.write_bytes(cohort())
        floor, _, floor_rss = best_of(3, [sys.executable, "-c", FLOOR_PROGRAM, str(source)])
        rows.append(
            (
                f"floor: json.loads over {LINES:,} lines (own process)",
                f"{floor:.2f} s, {LINES / floor:,.0f} lines/s, peak RSS {floor_rss / 1024:.0f} MB",
                "",
                None,
            )
        )
        batch = [str(PATHWAY), "explain", "--batch", str(source), "-o", str(target)]
        if supports_summary():
            seconds, code, rss = best_of(3, [*batch, "--summary"])
            size = target.stat().st_size
            ratio = seconds / floor
            rows.append(
                (
                    "--summary",
                    f"{seconds:.2f} s, {LINES / seconds:,.0f} lines/s, peak RSS {rss / 1024:.0f} MB"
                    f" (exit {code})",
                    "",
                    code == 0,
                )
            )
            rows.append(
                (
                    "--summary / floor",
                    f"{ratio:.2f}x",
                    f"<= {SUMMARY_TARGET_RATIO:.0f}x",
                    ratio <= SUMMARY_TARGET_RATIO,
                )
            )
            rows.append(
                (
                    "--summary bytes/line",
                    f"{size / LINES:.0f}",
                    f"<= {SUMMARY_TARGET_BYTES}",
                    size / LINES <= SUMMARY_TARGET_BYTES,
                )
            )
        seconds, code, rss = best_of(2, batch)
        size = target.stat().st_size
        target.unlink()
        rows.append(
            (
                "full mode (default)",
                f"{seconds:.2f} s, {LINES / seconds:,.0f} lines/s, peak RSS {rss / 1024:.0f} MB"
                f" (exit {code})",
                "",
                code == 0,
            )
        )
        rows.append(("full mode bytes/line", f"{size / LINES:,.0f}", "", None))
        rows.append(("full mode / floor", f"{seconds / floor:.2f}x", "", None))
        if BEFORE_FULL_SECONDS:
            speedup = BEFORE_FULL_SECONDS / seconds
            rows.append(
                (
                    f"full mode speed-up over before ({BEFORE_FULL_SECONDS:.2f} s)",
                    f"{speedup:.2f}x",
                    f">= {FULL_TARGET_SPEEDUP:.0f}x",
                    speedup >= FULL_TARGET_SPEEDUP,
                )
            )
    print_table(rows)
    return 0 if all(row[3] is not False for row in rows) else 1


def print_table(rows: list[tuple[str, str, str, bool | None]]) -> None:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"Batch, {LINES:,} mixed lines to a real file. Machine: {os.cpu_count()} cores, "
        f"{memory_gib:.0f} GiB, Python {platform.python_version()}, {platform.machine()}"
    )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, result, target, met in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        cells = (name, result, target)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
