"""How a stored page's text is laid out for reading: its headings, its empty labelled fields, and
the highlighted passages, as a flat run of segments that together are exactly the text.

The walkthrough renders the segments on the server; the explorer ships the same layout as data and
lets its script place the highlights. Either way no character of the stored text is added, dropped
or reordered: tags only wrap it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from engine.review.statements import heading_spans

# A line that is only a label waiting for a value ("Last medical review:"): short, ends in a
# colon, stands alone, and is not the lead-in of a bulleted list.
_LABEL = re.compile(r"^[A-Z][A-Za-z'’ \-]{0,40}:$")
_LABEL_MAX_WORDS = 4
_BULLET = re.compile(r"^[ \t]*[•\u2022]")

SegmentKind = Literal["text", "heading", "empty-field", "mark"]


@dataclass(frozen=True)
class Segment:
    """`text` is the stored text from `start`; `ref` is the caller's key for a mark."""

    kind: SegmentKind
    start: int
    text: str
    ref: int = -1


def empty_field_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Label lines with nothing after them, such as the stored pages' "Last medical review:"."""
    lines = text.split("\n")
    offsets = []
    offset = 0
    for line in lines:
        offsets.append(offset)
        offset += len(line) + 1
    spans = []
    for index, line in enumerate(lines):
        content = line.strip()
        if not _LABEL.match(content) or len(content.split()) > _LABEL_MAX_WORDS:
            continue
        following = next((later for later in lines[index + 1 :] if later.strip()), "")
        if _BULLET.match(following):
            continue
        start = offsets[index] + line.index(content)
        spans.append((start, start + len(content)))
    return tuple(spans)


def layout_spans(text: str) -> tuple[tuple[int, int, SegmentKind], ...]:
    """Headings and empty fields, in reading order."""
    spans: list[tuple[int, int, SegmentKind]] = [(s, e, "heading") for s, e in heading_spans(text)]
    spans += [(s, e, "empty-field") for s, e in empty_field_spans(text)]
    return tuple(sorted(spans))


def segments(text: str, marks: Sequence[tuple[int, int]]) -> tuple[Segment, ...]:
    """The text cut into plain runs, layout spans and marks (sorted, disjoint spans; a mark's
    `ref` is its index in `marks`). A layout span that a mark overlaps stays plain text."""
    layout = [
        (start, end, kind)
        for start, end, kind in layout_spans(text)
        if not any(start < m_end and m_start < end for m_start, m_end in marks)
    ]
    pieces: list[tuple[int, int, SegmentKind, int]] = [(s, e, k, -1) for s, e, k in layout]
    pieces += [(s, e, "mark", index) for index, (s, e) in enumerate(marks)]
    pieces.sort()
    out: list[Segment] = []
    cursor = 0
    for start, end, kind, ref in pieces:
        if start > cursor:
            out.append(Segment("text", cursor, text[cursor:start]))
        out.append(Segment(kind, start, text[start:end], ref))
        cursor = end
    if cursor < len(text):
        out.append(Segment("text", cursor, text[cursor:]))
    return tuple(out)
