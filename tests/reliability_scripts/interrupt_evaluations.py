"""Fire a KeyboardInterrupt at a random instant inside evaluations, then check the next answers.

Run as a script by tests/test_reliability_engine.py: `python interrupt_evaluations.py ROUNDS SEED
SECONDS`. Prints one JSON line: rounds run, rounds whose interrupt landed, rounds answered wrongly.
"""

from __future__ import annotations

import json
import random
import signal
import sys
import time

from engine import load_rulebase
from engine.domain.profile_space import completions
from engine.matching.compiler import encode_fact

PASSES = 20


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    rounds, seed, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rulebase = load_rulebase()

    def ask(disease: str, world: dict[str, object]) -> frozenset[str]:
        # The rulebase's own matcher, past its memo: every call really asks durable-rules.
        return rulebase.firing._ask(disease, encode_fact(world))

    worlds = [(d, w) for d in ("AML", "ALL") for w in completions(d, {})]
    expected = [ask(d, w) for d, w in worlds]
    chance = random.Random(seed)
    signal.signal(signal.SIGALRM, _interrupt)
    done = landed = wrong = 0
    deadline = time.monotonic() + seconds
    while done < rounds and time.monotonic() < deadline:
        done += 1
        try:
            signal.setitimer(signal.ITIMER_REAL, chance.uniform(0.0001, 0.004))
            # Bounded: an interrupt swallowed somewhere must not make the round endless.
            for _ in range(PASSES):
                for disease, world in worlds:
                    ask(disease, world)
        except KeyboardInterrupt:
            landed += 1
        except Exception:
            # An engine error raised by the poisoned state counts as a wrong answer below.
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            answers = [ask(d, w) for d, w in worlds]
        except Exception:
            wrong += 1
            continue
        wrong += answers != expected
    print(json.dumps({"rounds": done, "landed": landed, "wrong": wrong}))


if __name__ == "__main__":
    main()
