"""A stored document split into statements: its sentences and its "•" bullet items, each with
character offsets and the heading it sits under.

Structure of the stored pages (plain text, one paragraph per line, blank lines between):
- the first line is the page title; it is a statement of the introduction, not a heading;
- a heading is a short, title-like line standing alone between blank lines ("Targeted therapy",
  "Central nervous system prophylaxis or treatment"); headings are structure, not statements;
- text before the first heading is the "introduction";
- a "•" line is one bullet statement whose span starts after the bullet mark, so a quote of the
  item without its "•" lines up with it exactly;
- any other paragraph is split into sentences after `.`, `?` or `!` followed by a space and a
  capital letter, digit or opening bracket/quote. Colons do not end a sentence, so a bullet
  lead-in ("… may include:") is one statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

INTRODUCTION = "introduction"

_BULLET = re.compile(r"^[ \t]*[•\u2022][ \t]*")
# A heading: capitalised words (letters, hyphens, apostrophes), no digits and no end punctuation.
_HEADING = re.compile(r"^[A-Z][A-Za-z'’\-]*(?: [A-Za-z'’\-]+)*$")
_HEADING_MAX_WORDS = 8
_HEADING_MAX_CHARS = 60
_SENTENCE_END = re.compile(r"(?<=[.?!])[ \t]+(?=[A-Z0-9(\"“‘'])")

StatementKind = Literal["title", "sentence", "bullet"]


@dataclass(frozen=True)
class Statement:
    """`document text[start:end] == text`, numbered from 1 in reading order."""

    document: str
    number: int
    start: int
    end: int
    text: str
    heading: str
    kind: StatementKind


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def is_heading(line: str) -> bool:
    """Whether a stand-alone line reads as a section heading rather than as a sentence."""
    stripped = line.strip()
    return (
        bool(_HEADING.match(stripped))
        and len(stripped) <= _HEADING_MAX_CHARS
        and len(stripped.split()) <= _HEADING_MAX_WORDS
    )


def split_statements(document: str, text: str) -> tuple[Statement, ...]:
    """Every statement of one document, in reading order."""
    statements: list[Statement] = []
    heading = INTRODUCTION
    lines = list(_lines(text))
    first_content = next((index for index, line in enumerate(lines) if line.text.strip()), None)
    for index, line in enumerate(lines):
        content = line.text.strip()
        if not content:
            continue
        pieces: list[tuple[int, int, StatementKind]]
        if index == first_content:
            pieces = [_trimmed(line, 0, len(line.text), "title")]
        elif bullet := _BULLET.match(line.text):
            pieces = [_trimmed(line, bullet.end(), len(line.text), "bullet")]
        elif _stands_alone(lines, index) and is_heading(content):
            heading = content
            continue
        else:
            pieces = [
                _trimmed(line, start, end, "sentence") for start, end in _sentences(line.text)
            ]
        for start, end, kind in pieces:
            if end <= start:
                continue
            statements.append(
                Statement(
                    document=document,
                    number=len(statements) + 1,
                    start=start,
                    end=end,
                    text=text[start:end],
                    heading=heading,
                    kind=kind,
                )
            )
    return tuple(statements)


def heading_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) offsets of every heading line, by the rules `split_statements` uses."""
    lines = list(_lines(text))
    first_content = next((index for index, line in enumerate(lines) if line.text.strip()), None)
    spans = []
    for index, line in enumerate(lines):
        content = line.text.strip()
        if (
            content
            and index != first_content
            and not _BULLET.match(line.text)
            and _stands_alone(lines, index)
            and is_heading(content)
        ):
            start, end, _ = _trimmed(line, 0, len(line.text), "sentence")
            spans.append((start, end))
    return tuple(spans)


def _lines(text: str) -> Iterator[_Line]:
    offset = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        yield _Line(offset, offset + len(body), body)
        offset += len(raw)


def _stands_alone(lines: list[_Line], index: int) -> bool:
    """A heading has a blank line (or the document's edge) before and after it."""
    before = index == 0 or not lines[index - 1].text.strip()
    after = index == len(lines) - 1 or not lines[index + 1].text.strip()
    return before and after


def _sentences(line: str) -> Iterator[tuple[int, int]]:
    start = 0
    for boundary in _SENTENCE_END.finditer(line):
        yield start, boundary.start()
        start = boundary.end()
    yield start, len(line)


def _trimmed(
    line: _Line, start: int, end: int, kind: StatementKind
) -> tuple[int, int, StatementKind]:
    """Absolute offsets of `line.text[start:end]` without surrounding whitespace."""
    piece = line.text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    return line.start + start + lead, line.start + end - trail, kind
