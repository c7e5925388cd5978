"""Text and Markdown read well and carry every quote, the reasons and the disclaimer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings

from engine import explain
from engine.rendering.explanation import render
from tests import strategies


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("output_format", ["text", "markdown"])
@settings(max_examples=40, deadline=None)
@given(raw=strategies.profile_mappings())
def test_every_quote_reason_and_the_disclaimer_are_shown(
    output_format: str, raw: dict[str, Any]
) -> None:
    explanation = explain(raw)
    shown = _flat(render(explanation, output_format))
    for option in explanation.options:
        assert option.id in shown
        for citation in option.citations:
            assert _flat(citation.quote) in shown
        for reason in option.reasons:
            assert _flat(reason.text) in shown
    for note in explanation.notes:
        assert _flat(note.text) in shown
    assert _flat(explanation.disclaimer) in shown


def test_status_groups_only_when_not_empty() -> None:
    text = render(explain({"disease": "ALL", "ph_status": "negative"}), "text")
    assert "Depends on information not given" not in text
    assert "Not described for this situation (does not apply)" in text


def test_missing_information_names_what_it_affects() -> None:
    text = _flat(render(explain({"disease": "AML", "cytogenetic_risk": "intermediate"}), "text"))
    assert (
        "Stem cell transplant (transplant_status): affects aml-oral-azacitidine, aml-sorafenib"
        in text
    )
    assert (
        "Would change: if Stem cell transplant were known: received (has had a stem cell transplant) "
        "→ does not apply; eligible (able to have a stem cell transplant) → does not apply; "
        "ineligible (unable to have a stem cell transplant) → applies"
    ) in text


def test_the_explainer_never_gives_advice() -> None:
    # The output describes what the pages say; our own words must not tell anyone what to do.
    explanation = explain({"disease": "AML"})
    own_words = render(explanation, "text")
    for citation in (c for o in explanation.options for c in o.citations):
        own_words = own_words.replace(citation.quote, "")
    assert not re.search(
        r"\b(you should|we recommend|recommended for you|you must)\b", own_words, re.IGNORECASE
    )


def test_markdown_summary_table_has_a_row_per_option() -> None:
    markdown = render(explain({"disease": "ALL"}), "markdown")
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "`all-" in line]
    assert len(rows) == 11
