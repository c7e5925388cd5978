"""`make bench`: `pathway explain --batch` on a mixed cohort, against floors measured in the same run.

Not collected by pytest. Writes 200,000 JSON lines (half AML, half ALL, every line with its own
id) to a temporary directory, then times, each in its own process, on the same file, in rounds
that alternate the commands (so that a busy machine slows them alike):

- the floor: a bare Python pass that only runs `json.loads` over the lines;
- `pathway explain --batch IN -o OUT --summary`, target: within 5x the floor;
- `pathway explain --batch IN -o OUT` (full explanations, about 11 kB a line), target: at least 2x
  faster than the code before the batch was rewritten, run side by side: commit BEFORE_COMMIT,
  taken with `git archive` (skipped, with a note, when git or the commit is not at hand).

Prints wall time, CPU time, lines/s, bytes/line and peak RSS of each, and the ratios; exits 1 if a
target is missed. Bounded: every process has a timeout; the temporary directory is removed.
Run: `.venv/bin/python tests/benchmarks/bench_batch.py`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.domain.profile_space import every_profile

LINES = 200_000
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PATHWAY = Path(sys.executable).with_name("pathway")
TIMEOUT_SECONDS = 600
BEFORE_COMMIT = "c328c37"
ROUNDS = 3
SETTLE_SECONDS = 3.0
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
    "cpu = usage.ru_utime + usage.ru_stime\n"
    "print(json.dumps([elapsed, cpu, os.waitstatus_to_exitcode(status), usage.ru_maxrss]))\n"
)


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    exit_code: int
    peak_rss_kb: int
    output_bytes: int = 0

    def figures(self) -> str:
        return (
            f"{self.seconds:.2f} s wall, {self.cpu_seconds:.2f} s CPU, "
            f"{LINES / self.seconds:,.0f} lines/s, peak RSS {self.peak_rss_kb / 1024:.0f} MB"
        )


def timed(
    argv: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Run:
    """Wall time, CPU time, exit code and peak RSS of one process."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", DRIVER_PROGRAM, str(TIMEOUT_SECONDS), *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT_SECONDS + 30,
        cwd=cwd,
        env=env,
    )
    elapsed, cpu, code, peak = json.loads(done.stdout)
    return Run(float(elapsed), float(cpu), int(code), int(peak))


def supports_summary() -> bool:
    done = subprocess.run(
        [str(PATHWAY), "explain", "--help"], capture_output=True, text=True, check=False
    )
    return "--summary" in done.stdout


def before_tree(folder: Path) -> Path | None:
    """The engine, schemas and rules of BEFORE_COMMIT, unpacked under `folder`, or None."""
    tree = folder / "before"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "archive", BEFORE_COMMIT, "engine", "schemas", "rules"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        )
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return tree


def main() -> int:
    rows: list[tuple[str, str, str, bool | None]] = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as name:
        folder = Path(name)
        source, target = folder / "cohort.jsonl", folder / "out.jsonl"
        source.write_bytes(cohort())
        batch = [str(PATHWAY), "explain", "--batch", str(source), "-o", str(target)]
        before = before_tree(folder)
        commands: dict[str, tuple[list[str], Path | None, dict[str, str] | None]] = {
            "floor": ([sys.executable, "-c", FLOOR_PROGRAM, str(source)], None, None),
            "full": (batch, None, None),
        }
        if supports_summary():
            commands["summary"] = ([*batch, "--summary"], None, None)
        if before is not None:
            # `python -m engine` from the unpacked tree imports that tree, not the installed one.
            env = {**os.environ, "PYTHONPATH": str(before)}
            commands["before"] = ([sys.executable, "-m", "engine", *batch[1:]], before, env)
        best: dict[str, Run] = {}
        for _ in range(ROUNDS):
            for label, (argv, cwd, env) in commands.items():
                run = timed(argv, cwd=cwd, env=env)
                if target.exists():
                    run = replace(run, output_bytes=target.stat().st_size)
                    target.unlink()
                    # Let the kernel settle the 2 GB just dropped, so that its writeback and
                    # reclaim are not charged to whichever command runs next.
                    time.sleep(SETTLE_SECONDS)
                if label not in best or run.seconds < best[label].seconds:
                    best[label] = run
        rows += table_rows(best)
        if before is None:
            rows.append((f"before ({BEFORE_COMMIT})", "not measured: git archive failed", "", None))
    print_table(rows)
    return 0 if all(row[3] is not False for row in rows) else 1


def table_rows(best: dict[str, Run]) -> list[tuple[str, str, str, bool | None]]:
    floor = best["floor"]
    rows: list[tuple[str, str, str, bool | None]] = [
        (f"floor: json.loads over {LINES:,} lines", floor.figures(), "", None)
    ]
    summary = best.get("summary")
    if summary is not None:
        ratio = summary.seconds / floor.seconds
        per_line = summary.output_bytes / LINES
        rows += [
            (
                "--summary",
                f"{summary.figures()} (exit {summary.exit_code})",
                "",
                summary.exit_code == 0,
            ),
            (
                "--summary / floor",
                f"{ratio:.2f}x wall ({summary.cpu_seconds / floor.cpu_seconds:.2f}x CPU)",
                f"<= {SUMMARY_TARGET_RATIO:.0f}x",
                ratio <= SUMMARY_TARGET_RATIO,
            ),
            (
                "--summary bytes/line",
                f"{per_line:.0f}",
                f"<= {SUMMARY_TARGET_BYTES}",
                per_line <= SUMMARY_TARGET_BYTES,
            ),
        ]
    full = best["full"]
    rows += [
        (
            "full mode (default)",
            f"{full.figures()} (exit {full.exit_code})",
            "",
            full.exit_code == 0,
        ),
        ("full mode bytes/line", f"{full.output_bytes / LINES:,.0f}", "", None),
        ("full mode / floor", f"{full.seconds / floor.seconds:.2f}x wall", "", None),
    ]
    before = best.get("before")
    if before is not None:
        speedup = before.seconds / full.seconds
        rows += [
            (
                f"before ({BEFORE_COMMIT}), full mode",
                f"{before.figures()} (exit {before.exit_code})",
                "",
                None,
            ),
            (
                "full mode speed-up over before",
                f"{speedup:.2f}x wall ({before.cpu_seconds / full.cpu_seconds:.2f}x CPU)",
                f">= {FULL_TARGET_SPEEDUP:.0f}x",
                speedup >= FULL_TARGET_SPEEDUP,
            ),
        ]
    return rows


def print_table(rows: list[tuple[str, str, str, bool | None]]) -> None:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"Batch, {LINES:,} mixed lines to a real file, best of {ROUNDS} alternating rounds. "
        f"Machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB, Python "
        f"{platform.python_version()}, {platform.machine()}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, result, target, met in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        cells = (name, result, target)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
