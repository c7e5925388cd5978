"""Loading refuses a broken rules directory with the file, the rule id and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Rulebase, RulebaseError, load_rulebase
from engine.domain.conditions import Leaf

Edit = Callable[[Path, str, str], None]

SORAFENIB_CONDITION = "        - field: flt3_mutation\n          is: true\n"


def _load_error(rules: Path) -> RulebaseError:
    with pytest.raises(RulebaseError) as caught:
        load_rulebase(rules)
    return caught.value


def test_shipped_rulebase_loads(rules_copy: Path) -> None:
    rulebase = load_rulebase(rules_copy)
    assert {o.id for o in rulebase.options["AML"]} == {
        "aml-oral-azacitidine",
        "aml-sorafenib",
        "aml-supportive-care",
        "aml-clinical-trials",
    }
    assert len(rulebase.options["ALL"]) == 11


def test_quote_not_verbatim(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(rules_copy / "aml.yaml", "most commonly given as oral", "usually given as oral")
    error = _load_error(rules_copy)
    assert error.path is not None and error.path.endswith("aml.yaml")
    assert error.rule_id == "aml-rule-chemotherapy-without-transplant"
    assert "not verbatim in aml-maintenance" in str(error) and error.kind == "drifted-citation"
    assert "Did you mean" in str(error)


def test_whitespace_in_quotes_may_differ(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "quote: Chemotherapy is the main maintenance treatment for AML.",
        'quote: "Chemotherapy  is the main\\n maintenance treatment for AML."',
    )
    assert load_rulebase(rules_copy).rules[0].citations[0].quote.startswith("Chemotherapy  is")


def test_unknown_field(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml", SORAFENIB_CONDITION, "        - field: flt3\n          is: true\n"
    )
    error = _load_error(rules_copy)
    assert (error.rule_id, error.field) == ("aml-rule-sorafenib-after-transplant", "when.field")
    assert error.kind == "unknown-field"
    assert "unknown field 'flt3'" in str(error) and "flt3_mutation" in str(error)


def test_field_of_the_other_disease(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        SORAFENIB_CONDITION,
        "        - field: ph_status\n          is: positive\n",
    )
    assert "'ph_status' is a field of ALL profiles" in str(_load_error(rules_copy))


def test_unknown_value(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml", "in: [intermediate, unfavourable]", "in: [intermediate, poor]"
    )
    error = _load_error(rules_copy)
    assert (error.field, error.kind) == ("when.cytogenetic_risk", "unknown-value")
    assert "no value 'poor'" in str(error) and "favourable, intermediate, unfavourable" in str(
        error
    )


def test_string_true_is_not_a_boolean_value(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        SORAFENIB_CONDITION,
        '        - field: flt3_mutation\n          is: "true"\n',
    )
    assert "no value 'true'" in str(_load_error(rules_copy))


def test_unknown_is_not_a_rule_value(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml", "in: [intermediate, unfavourable]", "in: [intermediate, unknown]"
    )
    assert "compares 'cytogenetic_risk' with 'unknown'" in str(_load_error(rules_copy))


def test_duplicate_id(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml", "- id: aml-rule-clinical-trials", "- id: aml-rule-supportive-care"
    )
    error = _load_error(rules_copy)
    assert error.rule_id == "aml-rule-supportive-care" and "used twice" in str(error)
    assert error.kind == "duplicate-id"


def test_duplicate_yaml_key(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "    concludes: aml-sorafenib\n",
        "    concludes: aml-sorafenib\n    concludes: aml-sorafenib\n",
    )
    assert "key 'concludes' is repeated" in str(_load_error(rules_copy))


def test_conclusion_of_unknown_option(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml", "    concludes: aml-sorafenib\n", "    concludes: aml-sorafenb\n"
    )
    error = _load_error(rules_copy)
    assert error.field == "concludes" and "Did you mean 'aml-sorafenib'" in str(error)


def test_structural_error_names_rule_and_field(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "    title: Clinical trials open to people with AML\n",
        "    titel: Clinical trials\n",
    )
    error = _load_error(rules_copy)
    assert error.rule_id == "aml-rule-clinical-trials"
    assert error.field == "title"
    assert "title: Field required" in str(error) and "titel: Extra inputs are not permitted" in str(
        error
    )


def test_treatment_not_in_a_cited_quote(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "      - Sorafenib (Nexavar)\n",
        "      - Sorafenib (Nexavar) 400 mg twice daily\n",
    )
    error = _load_error(rules_copy)
    assert (error.rule_id, error.field, error.kind) == (
        "aml-sorafenib",
        "treatments",
        "unquoted-treatment",
    )


def test_unlisted_yaml_file_is_refused(rules_copy: Path) -> None:
    (rules_copy / "extra-rules.yaml").write_text("disease: AML\n", encoding="utf-8")
    error = _load_error(rules_copy)
    assert error.path is not None and error.path.endswith("extra-rules.yaml")


def test_missing_rules_directory(tmp_path: Path) -> None:
    assert "rules directory not found" in str(_load_error(tmp_path / "nowhere"))


def test_unknown_document_in_citation(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "      - quote: Talk to your doctor about clinical trials open to people with AML in Canada.",
        "      - document: cml-maintenance\n        quote: Talk to your doctor about clinical trials open to people with AML in Canada.",
    )
    assert "unknown document 'cml-maintenance'" in str(_load_error(rules_copy))


def test_rulebase_hash_changes_with_the_rules(rules_copy: Path, edit_file: Edit) -> None:
    before = load_rulebase(rules_copy).sha256
    edit_file(rules_copy / "aml.yaml", "All three must hold.", "All three conditions must hold.")
    assert load_rulebase(rules_copy).sha256 != before


def test_old_note_key_is_refused_with_its_new_name(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "    reading: >-\n      Maintenance chemotherapy is described",
        "    note: >-\n      Maintenance chemotherapy is described",
    )
    error = _load_error(rules_copy)
    assert (error.rule_id, error.field) == ("aml-rule-chemotherapy-without-transplant", "note")
    assert error.kind == "renamed-key"
    assert "`note` was renamed to `reading`" in str(error)


def test_citations_take_the_files_default_document(rulebase: Rulebase) -> None:
    # rules/aml.yaml names its document once, at the top; every citation resolves into it.
    aml = [rule for rule in rulebase.rules if rule.disease == "AML"]
    assert {citation.document for rule in aml for citation in rule.citations} == {"aml-maintenance"}


def test_citation_without_any_document_is_refused(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(rules_copy / "aml.yaml", "document: aml-maintenance\n", "")
    error = _load_error(rules_copy)
    assert (error.kind, error.field) == ("missing-document", "citations.document")
    assert error.rule_id == "aml-rule-chemotherapy-without-transplant"


def test_a_shared_reading_is_written_once_and_read_by_each_rule(rulebase: Rulebase) -> None:
    cns = [rulebase_rule for rulebase_rule in rulebase.rules if "-cns-" in rulebase_rule.id]
    assert len(cns) == 3
    assert {rule.reading for rule in cns} == {
        'CNS prophylaxis "may continue" during maintenance with one or more of three treatments; '
        "the page does not say for whom, so no condition is encoded."
    }


def test_a_shared_condition_is_resolved_where_it_is_used(rulebase: Rulebase) -> None:
    imatinib = next(r for r in rulebase.rules if r.id == "all-rule-imatinib-for-ph-positive")
    assert imatinib.when == Leaf("ph_status", ("positive",), True)
    assert imatinib.unless == Leaf("imatinib_response", ("not_effective",), True)


def test_a_shared_condition_negated_is_pushed_down(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "all.yaml",
        "    unless: {use: imatinib-not-working}\n",
        "    unless:\n      not: {use: imatinib-not-working}\n",
    )
    # The exception now holds whenever imatinib is not known to fail; load succeeds and the
    # negation reaches the leaf.
    rule = next(r for r in load_rulebase(rules_copy).rules if r.id.endswith("ph-positive"))
    assert rule.unless == Leaf("imatinib_response", ("not_effective",), False)


def test_unknown_shared_condition_suggests_the_name(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "all.yaml", "        - use: ph-positive\n", "        - use: ph-positiv\n"
    )
    error = _load_error(rules_copy)
    assert (error.kind, error.field, error.suggestion) == ("unknown-name", "when", "ph-positive")
    assert "Did you mean 'ph-positive'?" in str(error)


def test_unknown_shared_reading_suggests_the_name(rules_copy: Path) -> None:
    path = rules_copy / "all.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("{use: cns-prophylaxis-may-continue}", "{use: cns-prophylaxis}", 1),
        encoding="utf-8",
    )
    error = _load_error(rules_copy)
    assert (error.kind, error.field, error.rule_id) == (
        "unknown-name",
        "reading",
        "all-rule-cns-intrathecal",
    )
    assert error.suggestion == "cns-prophylaxis-may-continue"


def test_a_shared_condition_that_uses_itself_is_refused(rules_copy: Path, edit_file: Edit) -> None:
    edit_file(
        rules_copy / "all.yaml",
        "  ph-positive:\n    field: ph_status\n    is: positive\n",
        "  ph-positive:\n    all:\n      - use: imatinib-not-working\n"
        "  imatinib-loop:\n    use: ph-positive\n",
    )
    edit_file(
        rules_copy / "all.yaml",
        "  imatinib-not-working:\n    field: imatinib_response\n    is: not_effective\n",
        "  imatinib-not-working:\n    use: imatinib-loop\n",
    )
    error = _load_error(rules_copy)
    assert error.kind == "circular-name"
    assert "ph-positive -> imatinib-not-working -> imatinib-loop -> ph-positive" in str(error)
