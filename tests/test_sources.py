"""The stored sources are the single truth: verbatim copies, metadata checked against them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Rulebase, RulebaseError, load_rulebase
from tests.conftest import record_text_hash

# The SHA-256 of each page as it was first stored (2026-11-21). Written here by hand, so that a
# change to both a text and its recorded hash still fails this test until someone reviews it.
REVIEWED_SHA256 = {
    "aml-maintenance": "e306683335e5cd021f411be018968d0697e8d4ffb683a138c6c271ad56760fb6",
    "all-maintenance": "5b44e3826e22cc345fd26f8f077f4d3cb46e916a6044474bef9be1b160cf4ac9",
}


@pytest.mark.parametrize("document", sorted(REVIEWED_SHA256))
def test_stored_text_is_the_reviewed_revision(document: str, rulebase: Rulebase) -> None:
    source = rulebase.sources[document]
    assert source.sha256 == REVIEWED_SHA256[document]
    assert source.url is not None and source.url.startswith("https://cancer.ca/en/")
    assert source.retrieved is not None


def test_a_text_edited_by_hand_fails_loading(
    rules_copy: Path, edit_file: Callable[[Path, str, str], None]
) -> None:
    edit_file(
        rules_copy / "sources" / "aml-maintenance.txt",
        "Maintenance follows consolidation.",
        "Maintenance  follows consolidation.",
    )
    with pytest.raises(RulebaseError) as caught:
        load_rulebase(rules_copy)
    assert caught.value.field == "sha256" and caught.value.kind == "text-changed"
    assert caught.value.path is not None and caught.value.path.endswith("aml-maintenance.yaml")


def test_provenance_hash_is_the_hash_of_the_stored_bytes(rulebase: Rulebase) -> None:
    for document in rulebase.sources.values():
        assert document.sha256 == hashlib.sha256(document.path.read_bytes()).hexdigest()


def test_metadata(rulebase: Rulebase) -> None:
    aml = rulebase.sources["aml-maintenance"]
    assert aml.title == "Maintenance treatments for acute myeloid leukemia"
    assert aml.publisher == "Canadian Cancer Society"
    assert aml.copyright == "© 2024 Canadian Cancer Society"
    assert len(aml.references) == 11 and aml.reviewers == (
        "Robert Turner, MD, FRCPC",
        "John Storring, MD, CM",
    )
    all_ = rulebase.sources["all-maintenance"]
    assert all_.title == "Maintenance treatments for acute lymphoblastic leukemia"
    assert len(all_.references) == 8


def test_metadata_not_in_the_text_fails_loading(
    rules_copy: Path, edit_file: Callable[[Path, str, str], None]
) -> None:
    edit_file(
        rules_copy / "sources" / "aml-maintenance.yaml", "John Storring, MD, CM", "John Storing, MD"
    )
    with pytest.raises(RulebaseError) as caught:
        load_rulebase(rules_copy)
    assert caught.value.field == "reviewers"
    assert caught.value.path is not None and caught.value.path.endswith("aml-maintenance.yaml")


def test_editing_the_stored_text_makes_citations_drift(
    rules_copy: Path, edit_file: Callable[[Path, str, str], None]
) -> None:
    edit_file(
        rules_copy / "sources" / "aml-maintenance.txt",
        "most commonly given as oral azacitidine",
        "often given as oral azacitidine",
    )
    record_text_hash(rules_copy / "sources" / "aml-maintenance.txt")
    with pytest.raises(RulebaseError) as caught:
        load_rulebase(rules_copy)
    assert caught.value.rule_id == "aml-rule-chemotherapy-without-transplant"
    assert "not verbatim" in str(caught.value)
