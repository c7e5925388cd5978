"""Splitting the stored documents into statements: sentences, bullet items, headings, offsets."""

from __future__ import annotations

import itertools

import pytest

from engine import Rulebase
from engine.review.statements import INTRODUCTION, heading_spans, is_heading, split_statements

# The headings of the stored pages, read off the text by hand, in order.
AML_HEADINGS = [
    "Targeted therapy",
    "Supportive therapy",
    "Clinical trials",
    "Expert review and references",
    "Medical disclaimer",
]
ALL_HEADINGS = [
    "Targeted therapy",
    "Central nervous system prophylaxis or treatment",
    "Supportive therapy",
    "Clinical trials",
    "Expert review and references",
    "Medical disclaimer",
]


def _headings(rulebase: Rulebase, document: str) -> list[str]:
    statements = split_statements(document, rulebase.sources[document].text)
    return list(dict.fromkeys(s.heading for s in statements if s.heading != INTRODUCTION))


def test_headings_of_both_documents(rulebase: Rulebase) -> None:
    assert _headings(rulebase, "aml-maintenance") == AML_HEADINGS
    assert _headings(rulebase, "all-maintenance") == ALL_HEADINGS


@pytest.mark.parametrize("document", ["aml-maintenance", "all-maintenance"])
def test_offsets_point_at_the_text(rulebase: Rulebase, document: str) -> None:
    text = rulebase.sources[document].text
    statements = split_statements(document, text)
    assert [s.number for s in statements] == list(range(1, len(statements) + 1))
    for statement in statements:
        assert text[statement.start : statement.end] == statement.text
        assert statement.text == statement.text.strip() and statement.text
    # Reading order, no overlap.
    assert all(a.end <= b.start for a, b in itertools.pairwise(statements))


def test_statement_counts_and_kinds(rulebase: Rulebase) -> None:
    aml = split_statements("aml-maintenance", rulebase.sources["aml-maintenance"].text)
    # AML: 3 supportive-therapy bullets + 2 reviewers + 11 references; ALL: 4 + 3 + 3 + 1 + 8.
    assert sum(s.kind == "bullet" for s in aml) == 16
    assert len(aml) == 42
    all_ = split_statements("all-maintenance", rulebase.sources["all-maintenance"].text)
    assert sum(s.kind == "bullet" for s in all_) == 19
    assert len(all_) == 57
    assert aml[0].kind == "title" and aml[0].text.startswith("Maintenance treatments for acute")


def test_introduction_is_the_text_before_the_first_heading(rulebase: Rulebase) -> None:
    statements = split_statements("all-maintenance", rulebase.sources["all-maintenance"].text)
    by_text = {s.text: s for s in statements}
    assert by_text["Last medical review:"].heading == INTRODUCTION
    # The page has no "Chemotherapy" heading: its chemotherapy paragraph sits in the introduction.
    assert by_text["methotrexate, often given weekly"].heading == INTRODUCTION
    assert by_text["The new gene is called BCR-ABL."].heading == "Targeted therapy"
    assert by_text["radiation therapy to the brain and spinal cord"].heading == (
        "Central nervous system prophylaxis or treatment"
    )


def test_bullet_statement_starts_after_the_bullet_mark(rulebase: Rulebase) -> None:
    text = rulebase.sources["aml-maintenance"].text
    bullet = next(
        s for s in split_statements("aml-maintenance", text) if s.text.startswith("antibiotics")
    )
    assert bullet.kind == "bullet"
    assert text[bullet.start - 2 : bullet.start] == "• "
    assert bullet.text == "antibiotics and antifungals to treat infections"


def test_sentences_split_at_full_stops_but_not_inside_bullets(rulebase: Rulebase) -> None:
    text = rulebase.sources["all-maintenance"].text
    statements = split_statements("all-maintenance", text)
    texts = [s.text for s in statements]
    assert "Chemotherapy is the primary maintenance treatment for ALL." in texts
    assert "The drugs are usually given in lower doses and cause fewer side effects." in texts
    # A reference with "Jr., Lawrence" and several full stops stays one bullet statement.
    assert any(t.startswith("Kebriaei P") and t.endswith("102:1742–1763..") for t in texts)
    # A lead-in ending with a colon is one statement.
    assert "The most common drugs used in maintenance treatment are:" in texts


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Targeted therapy", True),
        ("Supportive therapy", True),
        ("Clinical trials", True),
        ("Expert review and references", True),
        ("Medical disclaimer", True),
        ("Central nervous system prophylaxis or treatment", True),
        ("Last medical review:", False),
        ("Find out more about clinical trials.", False),
        ("1-888-939-3333 | | © 2024 Canadian Cancer Society", False),
        ("vincristine", False),
        ("Maintenance chemotherapy may be given to people with AML with intermediate risk", False),
    ],
)
def test_is_heading(line: str, expected: bool) -> None:
    assert is_heading(line) is expected


def test_a_heading_must_stand_alone_between_blank_lines() -> None:
    text = "Title of page\n\nIntro sentence. Another one.\n\nSection one\n\nBody here.\nShort line\nMore body.\n"
    statements = split_statements("doc", text)
    assert [(s.heading, s.text) for s in statements] == [
        (INTRODUCTION, "Title of page"),
        (INTRODUCTION, "Intro sentence."),
        (INTRODUCTION, "Another one."),
        ("Section one", "Body here."),
        # Not stand-alone, so not a heading even though it looks like one.
        ("Section one", "Short line"),
        ("Section one", "More body."),
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [("aml-maintenance", AML_HEADINGS), ("all-maintenance", ALL_HEADINGS)],
)
def test_heading_spans_are_the_headings_statements_sit_under(
    rulebase: Rulebase, document: str, expected: list[str]
) -> None:
    text = rulebase.sources[document].text
    assert [text[start:end] for start, end in heading_spans(text)] == expected
