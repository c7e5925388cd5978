"""Fixed sentences that several outputs print: each is written here once, so a change of wording
changes every renderer at the same time."""

from __future__ import annotations

FACTS_ONLY = (
    "Age and story are context only: what the page says depends on the facts above, nothing else."
)
"""Said under a teaching case's facts, in every walkthrough format."""

IN_THE_PAGES_OWN_WORDS = "In the pages' own words:"
"""Joins the disclaimer's plain text to its quoted sentence."""

NOT_A_RECOMMENDATION = (
    "This reports what the page describes; it is not a recommendation and does not replace a "
    "doctor."
)
"""Said under a decision table's title."""
