"""The service remembers a record's cards (an EHR sends the same chart again and again): a repeat
answers what a fresh mapping would, with new uuids, and any change to the record is read anew."""

from __future__ import annotations

import copy
from typing import Any

from engine import Rulebase
from engine.service import cds
from tests.serving import aml_flt3_after_transplant


def _resources(prefetch: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        entry["resource"] for key in cds.RECORD_KEYS for entry in prefetch[key].get("entry", [])
    ]


def _content(cards: list[Any]) -> list[dict[str, Any]]:
    return [card.model_dump(exclude={"uuid"}) for card in cards]


def test_a_repeated_record_gets_the_same_cards_with_new_uuids(rulebase: Rulebase) -> None:
    resources = _resources(aml_flt3_after_transplant())
    first = cds.cards_for_record(resources, rulebase, None)
    again = cds.cards_for_record(copy.deepcopy(resources), rulebase, None)
    fresh = cds._cards_now(resources, rulebase, None)
    assert _content(first) == _content(again) == _content(fresh)
    assert any(card.extension.option == "aml-sorafenib" for card in first)
    assert not {card.uuid for card in first} & {card.uuid for card in again}


def test_a_changed_record_is_read_anew(rulebase: Rulebase) -> None:
    resources = _resources(aml_flt3_after_transplant())
    before = cds.cards_for_record(resources, rulebase, None)
    changed = copy.deepcopy(resources)
    for resource in changed:
        if resource["resourceType"] == "Observation":
            resource["status"] = "preliminary"  # the FLT3 result no longer counts
    after = cds.cards_for_record(changed, rulebase, None)
    assert _content(after) == _content(cds._cards_now(changed, rulebase, None))
    assert _content(after) != _content(before)
