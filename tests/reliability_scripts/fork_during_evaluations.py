"""Fork while other threads are inside the engine; each child must answer every profile correctly.

Run as a script by tests/test_reliability_engine.py: `python fork_during_evaluations.py FORKS SEED
SECONDS`. Prints one JSON line: forks made, children right, children wrong, children hung (killed
after a few seconds).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
import warnings

from engine import load_rulebase
from engine.domain.profile_space import completions
from engine.matching.compiler import encode_fact

THREADS = 4
CHILD_SECONDS = 5.0


def main() -> None:
    forks, seed, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12 warns on fork with threads
    rulebase = load_rulebase()

    def ask(disease: str, world: dict[str, object]) -> frozenset[str]:
        # The rulebase's own matcher, past its memo: every call really asks durable-rules.
        return rulebase.firing._ask(disease, encode_fact(world))

    worlds = [(d, w) for d in ("AML", "ALL") for w in completions(d, {})]
    expected = [ask(d, w) for d, w in worlds]
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            for disease, world in worlds:
                ask(disease, world)

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    chance = random.Random(seed)
    made = right = wrong = hung = 0
    deadline = time.monotonic() + seconds
    while made < forks and time.monotonic() < deadline:
        time.sleep(chance.uniform(0, 0.01))
        made += 1
        pid = os.fork()
        if pid == 0:
            try:
                answers = [ask(d, w) for d, w in worlds]
                os._exit(0 if answers == expected else 1)
            except BaseException:
                os._exit(2)
        child_deadline = time.monotonic() + CHILD_SECONDS
        while True:
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                code = os.waitstatus_to_exitcode(status)
                right += code == 0
                wrong += code != 0
                break
            if time.monotonic() > child_deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                hung += 1
                break
            time.sleep(0.01)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    print(json.dumps({"forks": made, "right": right, "wrong": wrong, "hung": hung}))


if __name__ == "__main__":
    main()
