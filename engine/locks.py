"""Clean-up for `fork()` children.

A child process starts with one thread, but with every lock in the state the parent's threads left
it: a lock held by another parent thread at the instant of the fork stays held forever in the
child. Modules that own a lock register here a function that replaces it in the child.

Why not a lock class that resets itself: a lock whose `__enter__` is Python code can be left held
by a KeyboardInterrupt that lands between the acquisition and the `with` block; `threading.Lock`'s
C `__enter__` cannot be interrupted there.
"""

from __future__ import annotations

import os
from collections.abc import Callable

_CHILD_CALLBACKS: list[Callable[[], None]] = []


def after_fork_in_child(callback: Callable[[], None]) -> None:
    """Run `callback` in every fork child, before the child runs anything else."""
    _CHILD_CALLBACKS.append(callback)


def _reinitialise_in_child() -> None:
    for callback in _CHILD_CALLBACKS:
        callback()


os.register_at_fork(after_in_child=_reinitialise_in_child)
