"""Citation resolution: find a quote in a stored text, allowing only whitespace to differ."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from engine.domain.text import normalise_whitespace
from engine.suggestions import closest

_NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class SearchableText:
    """A text with its whitespace-collapsed form and a map back to the original offsets."""

    text: str

    @cached_property
    def _collapsed(self) -> tuple[str, tuple[int, ...]]:
        # Word by word rather than character by character: this runs for every source text at
        # every cold start. Each run of whitespace becomes one space at the run's first offset;
        # leading whitespace is dropped.
        pieces: list[str] = []
        origins: list[int] = []
        for word in _NON_SPACE.finditer(self.text):
            start, end = word.span()
            pieces.append(word.group())
            origins.extend(range(start, end))
            if end < len(self.text):
                pieces.append(" ")
                origins.append(end)
        return "".join(pieces), tuple(origins)

    def find_all(self, quote: str) -> list[tuple[int, int]]:
        """Every (start, end) in the original text whose collapsed form equals the quote's."""
        needle = normalise_whitespace(quote)
        if not needle:
            return []
        collapsed, origins = self._collapsed
        spans = []
        position = collapsed.find(needle)
        while position != -1:
            spans.append((origins[position], origins[position + len(needle) - 1] + 1))
            position = collapsed.find(needle, position + 1)
        return spans

    def closest_passage(self, quote: str) -> str | None:
        """The sentence-sized passage most like the quote, for a "did you mean" hint."""
        needle = normalise_whitespace(quote)
        candidates = [
            normalise_whitespace(piece)
            for line in self.text.splitlines()
            for piece in re.split(r"(?<=[.:?!])\s+", line)
            if piece.strip()
        ]
        return closest(needle, candidates)
