"""What a revised page does to the rules: align the statements of the stored text and of a new
version, then judge every citation, every new statement and every metadata string.

Alignment works on statements, not characters, so that a moved paragraph reads as moved rather
than as deleted and added:
1. statements are compared by their whitespace-collapsed text, so whitespace-only edits vanish;
2. the longest common subsequence of statements (difflib's matcher) stays *in place*;
3. a statement left over on both sides with the same text elsewhere is *moved*;
4. leftovers that read alike (similarity >= REWORDED) are *reworded*: in place when both sit in
   the same replaced stretch, moved otherwise. Whatever has no counterpart is new (or deleted).

A citation keeps its status from the statements it overlaps: found once and only in in-place
statements that correspond to its old ones → `unchanged`; found once elsewhere → `moved`; found
more than once → `ambiguous`; not found → `changed` with the closest passage when one reads alike
(similarity >= CLOSE), else `missing`.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from engine.domain.text import normalise_whitespace
from engine.review.coverage import covers, read_waivers
from engine.review.statements import Statement, split_statements
from engine.rulebase.model import Rulebase
from engine.rulebase.searchable_text import SearchableText
from engine.rulebase.sources import SourceDocument
from schemas.citation import Citation
from schemas.revision import (
    CitationChange,
    CitationStatus,
    MetadataCheck,
    RevisionReport,
    StatementChange,
)

REWORDED = 0.6  # two statements this alike are one statement reworded
CLOSE = 0.5  # a passage this like a broken quote is offered as its replacement

Relation = Literal["in_place", "moved"]
METADATA_FIELDS = ("title", "publisher", "copyright", "reviewers", "references")


@dataclass(frozen=True)
class Alignment:
    """Counterparts between old and new statements (by index) and how each pair relates."""

    new_to_old: dict[int, int]
    relation: dict[int, Relation]  # keyed by new index

    @property
    def old_to_new(self) -> dict[int, int]:
        return {old: new for new, old in self.new_to_old.items()}


def align(old: Sequence[str], new: Sequence[str]) -> Alignment:
    """Pair old and new statement texts as the module docstring describes."""
    old_keys = [normalise_whitespace(text) for text in old]
    new_keys = [normalise_whitespace(text) for text in new]
    new_to_old: dict[int, int] = {}
    relation: dict[int, Relation] = {}
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    opcodes = matcher.get_opcodes()
    for tag, i1, i2, j1, _j2 in opcodes:
        if tag == "equal":
            for offset in range(i2 - i1):
                new_to_old[j1 + offset] = i1 + offset
                relation[j1 + offset] = "in_place"

    def unpaired_old() -> list[int]:
        taken = set(new_to_old.values())
        return [i for i in range(len(old_keys)) if i not in taken]

    def unpaired_new() -> list[int]:
        return [j for j in range(len(new_keys)) if j not in new_to_old]

    # Same text elsewhere: moved.
    for j in unpaired_new():
        for i in unpaired_old():
            if old_keys[i] == new_keys[j]:
                new_to_old[j], relation[j] = i, "moved"
                break
    # Reworded within one replaced stretch: in place; anywhere else: moved.
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "replace":
            _pair_alike(
                old_keys,
                new_keys,
                [i for i in unpaired_old() if i1 <= i < i2],
                [j for j in unpaired_new() if j1 <= j < j2],
                new_to_old,
                relation,
                "in_place",
            )
    _pair_alike(old_keys, new_keys, unpaired_old(), unpaired_new(), new_to_old, relation, "moved")
    return Alignment(new_to_old, relation)


def _pair_alike(
    old_keys: Sequence[str],
    new_keys: Sequence[str],
    old_candidates: list[int],
    new_candidates: list[int],
    new_to_old: dict[int, int],
    relation: dict[int, Relation],
    how: Relation,
) -> None:
    scored = sorted(
        (
            (similarity(old_keys[i], new_keys[j]), i, j)
            for i in old_candidates
            for j in new_candidates
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_old: set[int] = set()
    for score, i, j in scored:
        if score < REWORDED:
            break
        if i in used_old or j in new_to_old:
            continue
        used_old.add(i)
        new_to_old[j], relation[j] = i, how


def similarity(a: str, b: str) -> float:
    """How alike two passages read, 0 to 1, word by word."""
    return round(difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio(), 3)


def word_diff(old: str, new: str) -> str:
    """`old` turned into `new`, word by word: `[-removed-]` and `{+added+}`."""
    old_words, new_words = old.split(), new.split()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(old_words[i1:i2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(old_words[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(new_words[j1:j2]) + "+}")
    return " ".join(out)


def diff_source(rulebase: Rulebase, document_id: str, new_text: str) -> RevisionReport:
    """Compare the stored text of `document_id` with `new_text` (see the module docstring)."""
    source = rulebase.sources[document_id]
    old_statements = split_statements(document_id, source.text)
    new_statements = split_statements(document_id, new_text)
    alignment = align([s.text for s in old_statements], [s.text for s in new_statements])
    new_searchable = SearchableText(new_text)
    citations = tuple(
        _judge_citation(
            item_id, citation, old_statements, new_statements, alignment, new_searchable
        )
        for item_id, citation in cited_passages(rulebase, document_id)
    )
    return RevisionReport(
        document=document_id,
        old_sha256=source.sha256,
        new_sha256=hashlib.sha256(new_text.encode("utf-8")).hexdigest(),
        citations=citations,
        statements=_statement_changes(
            rulebase, source, new_statements, new_searchable, alignment, citations
        ),
        metadata=_metadata_checks(source, new_searchable),
    )


def cited_passages(rulebase: Rulebase, document_id: str) -> Iterable[tuple[str, Citation]]:
    """Every citation of one document, with the id of the rule, note or disclaimer citing it."""
    for rule in rulebase.rules:
        yield from ((rule.id, c) for c in rule.citations if c.document == document_id)
    for note in rulebase.notes:
        yield from ((note.id, c) for c in note.citations if c.document == document_id)
    if rulebase.disclaimer_citation.document == document_id:
        yield "disclaimer", rulebase.disclaimer_citation


def _overlapping(statements: Sequence[Statement], start: int, end: int) -> list[int]:
    return [index for index, s in enumerate(statements) if s.start < end and start < s.end]


def _judge_citation(
    item_id: str,
    citation: Citation,
    old_statements: Sequence[Statement],
    new_statements: Sequence[Statement],
    alignment: Alignment,
    new_searchable: SearchableText,
) -> CitationChange:
    old_indexes = _overlapping(old_statements, citation.start, citation.end)
    spans = new_searchable.find_all(citation.quote)
    common = {
        "id": item_id,
        "quote": citation.quote,
        "old_start": citation.start,
        "old_end": citation.end,
    }
    if len(spans) == 1:
        start, end = spans[0]
        new_indexes = _overlapping(new_statements, start, end)
        kept = all(alignment.relation.get(j) == "in_place" for j in new_indexes) and sorted(
            alignment.new_to_old.get(j, -1) for j in new_indexes
        ) == sorted(old_indexes)
        status = CitationStatus.UNCHANGED if kept else CitationStatus.MOVED
        return CitationChange(
            **common,
            status=status,
            new_start=start,
            new_end=end,
            closest=None,
            similarity=None,
            word_diff=None,
        )
    if spans:
        return CitationChange(
            **common,
            status=CitationStatus.AMBIGUOUS,
            new_start=None,
            new_end=None,
            closest=None,
            similarity=None,
            word_diff=None,
        )
    passage = _closest_passage(citation.quote, new_statements, new_searchable.text)
    score = passage[2] if passage else 0.0
    if passage is None or score < CLOSE:
        return CitationChange(
            **common,
            status=CitationStatus.MISSING,
            new_start=None,
            new_end=None,
            closest=None,
            similarity=score,
            word_diff=None,
        )
    start, end, score = passage
    closest = new_searchable.text[start:end]
    return CitationChange(
        **common,
        status=CitationStatus.CHANGED,
        new_start=start,
        new_end=end,
        closest=normalise_whitespace(closest),
        similarity=score,
        word_diff=word_diff(normalise_whitespace(citation.quote), normalise_whitespace(closest)),
    )


def _closest_passage(
    quote: str, statements: Sequence[Statement], text: str
) -> tuple[int, int, float] | None:
    """The passage of the new text most like `quote`: within one statement or two neighbours
    (a quote may span two), trimmed to the words that line up with the quote."""
    needle = normalise_whitespace(quote)
    best: tuple[int, int, float] | None = None
    windows = [(s.start, s.end) for s in statements]
    windows += [(a.start, b.end) for a, b in itertools.pairwise(statements)]
    for window_start, window_end in windows:
        start, end = _aligned_region(needle, text, window_start, window_end)
        score = similarity(needle, normalise_whitespace(text[start:end]))
        if best is None or score > best[2]:
            best = (start, end, score)
    return best


def _aligned_region(needle: str, text: str, start: int, end: int) -> tuple[int, int]:
    """The words of `text[start:end]` from the first to the last that match words of `needle`."""
    words = [(m_start, m_end) for m_start, m_end in _word_spans(text, start, end)]
    window_words = [text[a:b] for a, b in words]
    matcher = difflib.SequenceMatcher(None, needle.split(), window_words, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return start, end
    first = blocks[0].b
    last = blocks[-1].b + blocks[-1].size - 1
    # Keep unmatched words at the edges of the quote's length, e.g. a reworded first word.
    first = max(0, first - blocks[0].a)
    last = min(len(words) - 1, last + (len(needle.split()) - (blocks[-1].a + blocks[-1].size)))
    return words[first][0], words[last][1]


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    position = start
    while position < end:
        while position < end and text[position].isspace():
            position += 1
        word_start = position
        while position < end and not text[position].isspace():
            position += 1
        if position > word_start:
            spans.append((word_start, position))
    return spans


def _statement_changes(
    rulebase: Rulebase,
    source: SourceDocument,
    statements: Sequence[Statement],
    searchable: SearchableText,
    alignment: Alignment,
    citations: Sequence[CitationChange],
) -> tuple[StatementChange, ...]:
    """Each statement of the new text against the citations and waivers as they now resolve."""
    resolved = [
        Citation(document=source.id, quote=c.quote, start=c.new_start, end=c.new_end)
        for c in citations
        if c.status in (CitationStatus.UNCHANGED, CitationStatus.MOVED)
        and c.new_start is not None
        and c.new_end is not None
    ]
    waived_spans = [
        spans[0]
        for waiver in read_waivers(rulebase.root)
        if waiver.document == source.id
        for quote in waiver.quotes
        if len(spans := searchable.find_all(quote)) == 1
    ]
    changes = []
    for index, statement in enumerate(statements):
        if any(covers(citation, statement) for citation in resolved):
            status: Literal["covered", "waived", "uncovered"] = "covered"
        elif any(start <= statement.start and statement.end <= end for start, end in waived_spans):
            status = "waived"
        else:
            status = "uncovered"
        closest_of = tuple(
            dict.fromkeys(
                c.id
                for c in citations
                if c.status is CitationStatus.CHANGED
                and c.new_start is not None
                and c.new_end is not None
                and c.new_start < statement.end
                and statement.start < c.new_end
            )
        )
        changes.append(
            StatementChange(
                text=statement.text,
                start=statement.start,
                end=statement.end,
                heading=statement.heading,
                status=status,
                new=index not in alignment.new_to_old,
                closest_of=closest_of,
            )
        )
    return tuple(changes)


def _metadata_checks(
    source: SourceDocument, searchable: SearchableText
) -> tuple[MetadataCheck, ...]:
    checks = []
    for field in METADATA_FIELDS:
        value = getattr(source, field)
        for item in value if isinstance(value, tuple) else (value,):
            checks.append(
                MetadataCheck(field=field, value=item, present=bool(searchable.find_all(item)))
            )
    return tuple(checks)
