"""The memo of finished explanations, one per loaded rulebase.

A rulebase is immutable once loaded and the profile space is finite, so the explanation of a
profile never changes: it is computed once (durable-rules decides it, through `Rulebase.firing`)
and then served from here. Cached explanations are frozen Pydantic models holding only tuples,
strings, enums and other frozen models, so a caller cannot alter what later callers receive.

The key is the validated profile's class and each field's (name, type, value): two inputs share an entry
only when they validate to the same profile. Validated profiles span 468 keys, so the memo needs
no eviction; `MAX_ENTRIES` only guards against profiles built with `model_construct`, which skips
validation and could otherwise carry an unbounded number of distinct (invalid) values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from schemas.explanation import Explanation
from schemas.profile import AllProfile, AmlProfile

MAX_ENTRIES = 10_000

CacheKey = tuple[type, tuple[tuple[str, type, object], ...]]


def cache_key(profile: AmlProfile | AllProfile) -> CacheKey | None:
    """The memo key of a validated profile, or None when a field value is not hashable."""
    # The value's type is part of the key so that e.g. `1` never stands in for `True`.
    key = (
        type(profile),
        tuple((name, type(value), value) for name, value in profile.__dict__.items()),
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


class ExplanationCache:
    """Explanations by profile for one rulebase; safe to share between threads."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, Explanation] = {}
        self._lock = threading.Lock()

    def get_or_build(
        self,
        profile: AmlProfile | AllProfile,
        build: Callable[[AmlProfile | AllProfile], Explanation],
    ) -> Explanation:
        """The cached explanation of `profile`, building (and storing) it on first use."""
        key = cache_key(profile)
        if key is None:
            return build(profile)
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached
        # Built outside the lock: two threads may both build a missing entry (the result is the
        # same); the first one stored is the one every caller receives from then on.
        built = build(profile)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES and key not in self._entries:
                return built
            return self._entries.setdefault(key, built)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every entry (for benchmarks measuring the uncached path)."""
        with self._lock:
            self._entries.clear()
