"""Strict JSON objects: a key repeated in one object is refused, as the YAML reader refuses it,
because `json.loads` would silently keep the last value. One hook for every JSON reader (batch
lines, HTTP bodies)."""

from __future__ import annotations

from typing import Any


class RepeatedKey(ValueError):
    """A key given twice in one JSON object; `key` names it."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook` for `json.loads`/`json.JSONDecoder`: the object, or RepeatedKey."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return document
