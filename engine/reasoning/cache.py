"""The memo of finished explanations: one per loaded rulebase, owned by this (reasoning) layer.

A rulebase is immutable once loaded and the profile space is finite, so the explanation of a
profile never changes: it is computed once (durable-rules decides it) and then served from here.
The memo lives in `EXPLANATION_CACHES`, keyed by the rulebase object (weakly: a rulebase that is
no longer used takes its memo with it), so results never leak across rulebases and the
`Rulebase` data object of the layer below carries no state of this one.

What the memo hands out is owned by the memo, so one caller cannot change what the next receives:
- the explanation holds its own validated copy of the profile (a plain instance of the schema's
  class, never the caller's object; see `explainer.cached_explanation`);
- every model in it is frozen and holds only tuples, strings, numbers and enums;
- every model's `model_fields_set` is sealed (`SealedFieldsSet`), so that e.g.
  `explanation.model_fields_set.clear()` raises TypeError instead of emptying
  `model_dump(exclude_unset=True)` for every later caller. Copies (`model_copy`, `copy.copy`) get an ordinary mutable set.
Writing into a model with `object.__setattr__` or through `__dict__`, or changing the classes
themselves, is deliberate tampering and outside this contract.

The key is the validated profile's class and each field's (name, type, value): two inputs share an
entry only when they validate to the same profile. Validated profiles span 468 keys, so the memo
needs no eviction; `MAX_ENTRIES` is a guard only.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from schemas.explanation import Explanation
from schemas.profile import DiseaseProfile

if TYPE_CHECKING:
    from engine.rulebase.model import Rulebase

MAX_ENTRIES = 10_000

CacheKey = tuple[type, tuple[tuple[str, type, object], ...]]


def cache_key(profile: DiseaseProfile) -> CacheKey | None:
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


class SealedFieldsSet(set[str]):
    """A model's `model_fields_set` once the memo holds the model: changing it in place raises
    TypeError. (A set subclass, not a frozenset: pydantic-core reads it as a set.) Pydantic copies
    the set when it copies a model, and the copy is an ordinary set, so `model_copy(update=...)`
    keeps working on the copy."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise TypeError(
            "this result is shared through the explanation memo; its fields set cannot change "
            "(use model_copy() for a copy of your own)"
        )

    add = discard = remove = pop = clear = update = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> set[str]:
        return set(self)


def seal(value: object) -> None:
    """Seal the `model_fields_set` of every model in `value` (models, and tuples of them)."""
    if isinstance(value, tuple):
        for item in value:
            seal(item)
    elif isinstance(value, BaseModel):
        fields_set = value.__pydantic_fields_set__
        # Models shared between explanations (citations) are sealed once, then skipped.
        if type(fields_set) is SealedFieldsSet:
            return
        object.__setattr__(value, "__pydantic_fields_set__", SealedFieldsSet(fields_set))
        for item in value.__dict__.values():
            if isinstance(item, BaseModel | tuple):
                seal(item)


class ExplanationCache:
    """Explanations by profile for one rulebase; safe to share between threads."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, Explanation] = {}
        self._lock = threading.Lock()
        _LIVE_CACHES.add(self)

    def get_or_build(
        self,
        profile: DiseaseProfile,
        build: Callable[[DiseaseProfile], Explanation],
    ) -> Explanation:
        """The cached explanation of `profile`, building (sealing and storing) it on first use."""
        key = cache_key(profile)
        if key is None:
            built = build(profile)
            seal(built)
            return built
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached
        # Built outside the lock: two threads may both build a missing entry (the result is the
        # same); the first one stored is the one every caller receives from then on.
        built = build(profile)
        seal(built)
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

    def _reset_lock(self) -> None:
        self._lock = threading.Lock()


# The one module-level mutable state of this module: the memo of each live rulebase, guarded by
# its lock. Weak keys: the memo goes when its rulebase does.
EXPLANATION_CACHES: weakref.WeakKeyDictionary[Rulebase, ExplanationCache] = (
    weakref.WeakKeyDictionary()
)
_EXPLANATION_CACHES_LOCK = threading.Lock()
_LIVE_CACHES: weakref.WeakSet[ExplanationCache] = weakref.WeakSet()


def explanation_cache(rulebase: Rulebase) -> ExplanationCache:
    """The memo of `rulebase`'s explanations, created on first use."""
    with _EXPLANATION_CACHES_LOCK:
        cache = EXPLANATION_CACHES.get(rulebase)
        if cache is None:
            cache = EXPLANATION_CACHES[rulebase] = ExplanationCache()
        return cache


def _reset_locks_in_fork_child() -> None:
    # A fork copies a lock that another thread held at that instant, and nothing in the child
    # would ever release it; the child is single-threaded, so fresh locks are correct.
    global _EXPLANATION_CACHES_LOCK
    _EXPLANATION_CACHES_LOCK = threading.Lock()
    for cache in list(_LIVE_CACHES):
        cache._reset_lock()


os.register_at_fork(after_in_child=_reset_locks_in_fork_child)
