"""Answers remembered by the content they were computed from: an EHR sends the same resources
each time a chart opens, and reading them again would give the same answer.

A key is the content's digest (the caller's, e.g. a SHA-256 of canonical JSON) together with the
objects the answer also depends on (the terminology map, the rulebase), compared by identity. Those
owners are kept alive by the memo, so that the id of one can never be reused by another; past a
few dozen of them nothing new is remembered (a server has one of each; tests make a few). Bounded;
the least recently used answer goes first. Thread-safe, and fork-safe: a fork child gets new locks."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from engine.locks import after_fork_in_child

Answer = TypeVar("Answer")

_MAX_OWNERS = 64
_MISSING = object()


class ContentMemo(Generic[Answer]):
    """At most `size` answers, keyed by (owners, content digest)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[tuple[int, ...], str], Answer] = OrderedDict()
        self._owners: dict[int, object] = {}
        _MEMOS.add(self)

    def get_or_build(
        self, owners: tuple[object, ...], digest: str, build: Callable[[], Answer]
    ) -> Answer:
        """The remembered answer, or `build()` (remembered when its owners can be kept)."""
        key = (tuple(id(owner) for owner in owners), digest)
        with self._lock:
            hit = self._answers.get(key, _MISSING)
            if hit is not _MISSING and self._keeps(owners):
                self._answers.move_to_end(key)
                return hit  # type: ignore[return-value]  # an Answer: only Answers are stored
        answer = build()
        with self._lock:
            for owner in owners:
                if len(self._owners) < _MAX_OWNERS:
                    self._owners.setdefault(id(owner), owner)
            if self._keeps(owners):
                self._answers[key] = answer
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
        return answer

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def _keeps(self, owners: tuple[object, ...]) -> bool:
        return all(self._owners.get(id(owner), _MISSING) is owner for owner in owners)


_MEMOS: weakref.WeakSet[ContentMemo[Any]] = weakref.WeakSet()


def _new_locks_in_child() -> None:
    # A lock held by another thread of the parent at the fork would stay held in the child.
    for memo in list(_MEMOS):
        memo._lock = threading.Lock()


after_fork_in_child(_new_locks_in_child)
