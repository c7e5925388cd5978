"""The stored sources are the single truth: verbatim copies, metadata checked against them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Rulebase, RulebaseError, load_rulebase
from tests.conftest import SHARED_SOURCES


@pytest.mark.parametrize("document", ["aml-maintenance", "all-maintenance"])
def test_stored_text_equals_the_shared_original(document: str, rulebase: Rulebase) -> None:
    original = SHARED_SOURCES / f"{document}.txt"
    if not original.exists():
        pytest.skip(f"{original} is not beside the project (it is in CI and on developer machines)")
    assert rulebase.sources[document].text == original.read_text(encoding="utf-8")


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
    with pytest.raises(RulebaseError) as caught:
        load_rulebase(rules_copy)
    assert caught.value.rule_id == "aml-rule-chemotherapy-without-transplant"
    assert "not verbatim" in str(caught.value)
