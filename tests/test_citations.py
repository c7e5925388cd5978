"""Quote resolution: whitespace may differ, wording may not; a quote points to exactly one place."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import CitationError, Rulebase
from engine.rulebase.searchable_text import SearchableText
from engine.rulebase.sources import resolve_quote
from schemas.rule import QuoteRef

TEXT = "First line.\n\n  •  a bullet   item\nSecond  sentence here. Repeat. Repeat."


def test_offsets_point_at_the_original_text() -> None:
    spans = SearchableText(TEXT).find_all("a bullet item")
    assert len(spans) == 1
    start, end = spans[0]
    assert TEXT[start:end] == "a bullet   item"


def test_whitespace_across_lines_is_normalised() -> None:
    (span,) = SearchableText(TEXT).find_all("First line. • a bullet item Second sentence")
    assert TEXT[span[0] : span[1]].startswith("First line.") and TEXT[span[0] : span[1]].endswith(
        "Second  sentence"
    )


def test_wording_differences_do_not_match() -> None:
    assert SearchableText(TEXT).find_all("a bulleted item") == []
    assert SearchableText(TEXT).find_all("first line.") == []  # case is wording too


def test_every_occurrence_is_found() -> None:
    assert len(SearchableText(TEXT).find_all("Repeat.")) == 2


def test_resolved_citation_slices_back_to_the_quote(rulebase: Rulebase) -> None:
    for rule in rulebase.rules:
        for citation in rule.citations:
            text = rulebase.sources[citation.document].text
            assert " ".join(text[citation.start : citation.end].split()) == " ".join(
                citation.quote.split()
            )


def test_not_verbatim_suggests_the_closest_passage(rulebase: Rulebase) -> None:
    ref = QuoteRef(
        document="aml-maintenance", quote="Chemotherapy is the main maintenance therapy for AML."
    )
    with pytest.raises(CitationError) as caught:
        resolve_quote(ref, dict(rulebase.sources), path=Path("x.yaml"), rule_id="r")
    assert caught.value.suggestion == "Chemotherapy is the main maintenance treatment for AML."
    assert "Did you mean 'Chemotherapy is the main maintenance treatment for AML.'?" in str(
        caught.value
    )
    assert caught.value.document == "aml-maintenance" and caught.value.rule_id == "r"


def test_ambiguous_quote_is_refused(rulebase: Rulebase) -> None:
    ref = QuoteRef(document="aml-maintenance", quote="Find out more about")
    with pytest.raises(CitationError, match="occurs 4 times"):
        resolve_quote(ref, dict(rulebase.sources), path=Path("x.yaml"), rule_id="r")


def test_curly_apostrophe_is_wording(rulebase: Rulebase) -> None:
    ref = QuoteRef(
        document="aml-maintenance", quote="so it doesn't make enough healthy blood cells"
    )
    with pytest.raises(CitationError):
        resolve_quote(ref, dict(rulebase.sources), path=Path("x.yaml"), rule_id="r")


def _collapsed_by_character(text: str) -> tuple[str, tuple[int, ...]]:
    """The character-by-character definition the word-by-word collapse must equal."""
    characters: list[str] = []
    origins: list[int] = []
    previous_was_space = True
    for offset, character in enumerate(text):
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


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab.\u00e9 \t\n\r\u00a0\u2003\u2028\x0b\x1c")))
def test_collapsed_text_agrees_with_the_character_definition(text: str) -> None:
    assert SearchableText(text)._collapsed == _collapsed_by_character(text)


def test_collapsed_source_texts_agree_with_the_character_definition(rulebase: Rulebase) -> None:
    for document in rulebase.sources.values():
        searchable = SearchableText(document.text)
        assert searchable._collapsed == _collapsed_by_character(document.text)
