"""Citation resolution: find a quote in a stored text, allowing only whitespace to differ."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from engine.domain.text import normalise_whitespace
from engine.suggestions import closest


@dataclass(frozen=True)
class SearchableText:
    """A text with its whitespace-collapsed form and a map back to the original offsets."""

    text: str

    @cached_property
    def _collapsed(self) -> tuple[str, tuple[int, ...]]:
        characters: list[str] = []
        origins: list[int] = []
        previous_was_space = True  # drops leading whitespace
        for offset, character in enumerate(self.text):
            if character.isspace():
                if not previous_was_space:
                    characters.append(" ")
                    origins.append(offset)
                previous_was_space = True
            else:
                characters.append(character)
                origins.append(offset)
                previous_was_space = False
        return "".join(characters), tuple(origins)

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
