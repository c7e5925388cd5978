"""Text shaping shared by every layer: the one whitespace normalisation and the one line wrapper."""

from __future__ import annotations

import re
import textwrap

WIDTH = 96
"""The width of every plain-text output."""

_WHITESPACE = re.compile(r"\s+")


def normalise_whitespace(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, trimmed: how quotes, readings and
    reasons are compared and shown."""
    return _WHITESPACE.sub(" ", text).strip()


def wrap(text: str, indent: str, *, hanging: str | None = None, width: int = WIDTH) -> list[str]:
    """Lines of at most `width` characters; later lines indented by `hanging` (default: two
    spaces more than `indent`)."""
    # Never split "aml-maintenance" or a long word (a URL) across lines.
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent + "  " if hanging is None else hanging,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return lines or [indent]
