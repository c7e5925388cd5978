"""What every benchmark prints: the machine, then one table of measurements with their targets.
Imported by the `bench_*.py` scripts, which run from this folder (`make bench`)."""

from __future__ import annotations

import os
import platform

Row = tuple[str, str, str, bool | None]
"""(measurement, result, target, met: None when there is no target)."""


def machine() -> str:
    """Cores, memory and Python: the figures only mean something beside them."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory = "memory unknown"
    return (
        f"Machine: {os.cpu_count()} cores, {memory}, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )


def print_table(rows: list[Row], title: str = "measurement") -> int:
    """Print the rows aligned; returns the exit code: 1 when a target was missed."""
    widths = [
        max(len(str(row[i])) for row in [(title, "result", "target", None), *rows])
        for i in range(3)
    ]
    header = (title, "result", "target")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  met")
    for name, result, target, met in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        cells = (name, result, target)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {verdict}")
    return 0 if all(row[3] is not False for row in rows) else 1
