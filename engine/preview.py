"""Short, readable previews of values echoed in messages.

A message must stay readable and must never fail to build: a bad value can be a 1 MB string, a
mapping with thousands of keys, or an integer too long for `str()` (Python refuses to convert
integers of more than 4,300 digits, so `repr` itself raises). Every value a message echoes goes
through `preview`.
"""

from __future__ import annotations

import reprlib

PREVIEW_CHARACTERS = 80
# Integers this long are described, not written out (far below Python's 4,300-digit limit).
_MAX_INT_BITS = 128


class _BoundedRepr(reprlib.Repr):
    def __init__(self, characters: int) -> None:
        super().__init__()
        self.maxstring = characters
        self.maxother = characters
        self.maxlevel = 3
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 6

    def repr_int(self, x: int, level: int) -> str:
        return _int_preview(x)


def _int_preview(value: int) -> str:
    if value.bit_length() <= _MAX_INT_BITS:
        return repr(value)
    digits = int(value.bit_length() * 0.30103) + 1
    return f"<an integer of about {digits:,} digits>"


def preview(value: object, characters: int = PREVIEW_CHARACTERS) -> str:
    """`repr(value)` cut to about `characters` characters (with the full length noted for long
    strings); never raises."""
    try:
        if isinstance(value, bool):
            return repr(value)
        if isinstance(value, int):
            return _int_preview(value)
        if isinstance(value, str) and len(value) > characters:
            return f"{value[:characters]!r}… ({len(value):,} characters)"
        return _BoundedRepr(characters).repr(value)
    except Exception:
        return f"<a {type(value).__name__} value>"


def preview_name(value: object, characters: int = PREVIEW_CHARACTERS) -> str:
    """A key or field name as text (not quoted), cut like `preview`; never raises."""
    if isinstance(value, str):
        return (
            value
            if len(value) <= characters
            else f"{value[:characters]}… ({len(value):,} characters)"
        )
    return preview(value, characters)
