"""Load the bundled rulebase LOADS times; print resident memory before and after, in MB.

Run as a script by tests/test_reliability_memory.py: `python repeated_loads.py LOADS SECONDS`.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

from engine import explain, load_rulebase
from engine.domain.profile_space import every_profile


def _resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    loads, seconds = int(sys.argv[1]), float(sys.argv[2])
    profiles = list(every_profile("AML"))[:5]
    for profile in profiles:  # warm up: imports, the first Host, the first explanations
        explain(profile, rulebase=load_rulebase())
    gc.collect()
    before = _resident_mb()
    deadline = time.monotonic() + seconds
    done = 0
    while done < loads and time.monotonic() < deadline:
        rulebase = load_rulebase()
        explain(profiles[done % len(profiles)], rulebase=rulebase)
        done += 1
    gc.collect()
    print(json.dumps({"loads": done, "before_mb": before, "after_mb": _resident_mb()}))


if __name__ == "__main__":
    main()
