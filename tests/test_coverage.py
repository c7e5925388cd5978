"""Coverage of the documents by the rules: the shipped rulebase covers or waives every statement,
and broken waivers or citations are reported by `pathway coverage` with exit 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Rulebase, load_rulebase
from engine.cli import main
from engine.review.coverage import CoverageReport, coverage_report, covers
from engine.review.statements import Statement
from schemas.citation import Citation

EditFile = Callable[[Path, str, str], None]


def _statement(start: int, end: int) -> Statement:
    return Statement("doc", 1, start, end, "x" * (end - start), "introduction", "sentence")


def _citation(start: int, end: int) -> Citation:
    return Citation(document="doc", quote="q" * 8, start=start, end=end)


@pytest.mark.parametrize(
    ("citation", "expected"),
    [
        ((10, 50), True),  # exactly the statement
        ((0, 100), True),  # a quote spanning several statements covers each
        ((20, 30), True),  # a clause quoted from inside the statement
        ((0, 14), False),  # a quote that only spills 4 characters into it
        ((30, 80), True),  # half of the statement or more
        ((0, 10), False),  # touching is not overlapping
    ],
)
def test_overlap_rule(citation: tuple[int, int], expected: bool) -> None:
    assert covers(_citation(*citation), _statement(10, 50)) is expected


def _totals(report: CoverageReport) -> dict[str, tuple[int, int, int]]:
    return {
        d.document: (d.count("covered"), d.count("waived"), d.count("uncovered"))
        for d in report.documents
    }


def test_shipped_rules_cover_or_waive_every_statement(rulebase: Rulebase) -> None:
    report = coverage_report(rulebase)
    assert report.problems == ()
    # Counted by hand from the review sheet (pathway coverage), read against the two pages.
    assert _totals(report) == {"aml-maintenance": (15, 27, 0), "all-maintenance": (33, 24, 0)}


def test_bullets_quoted_without_their_mark_are_covered(rulebase: Rulebase) -> None:
    report = coverage_report(rulebase, ("all-maintenance",))
    bullets = {i.statement.text: i for i in report.documents[0].statements}
    vincristine = bullets["vincristine"]
    assert vincristine.statement.kind == "bullet"
    assert vincristine.state == "covered" and vincristine.fully
    assert [c.item_id for c in vincristine.covered_by] == ["all-rule-vincristine"]


def test_every_content_sentence_names_its_rule(rulebase: Rulebase) -> None:
    report = coverage_report(rulebase, ("aml-maintenance",))
    by_text = {i.statement.text: i for i in report.documents[0].statements}
    sorafenib = by_text[
        "Sorafenib (Nexavar) is an FLT3 inhibitor that may be used as maintenance therapy for "
        "people who have received a stem cell transplant and are in remission from AML with the "
        "FLT3 mutation."
    ]
    assert [(c.item_id, c.item_kind, c.file) for c in sorafenib.covered_by] == [
        ("aml-rule-sorafenib-after-transplant", "rule", "rules/aml.yaml")
    ]
    navigation = by_text["Find out more about targeted therapy for AML."]
    assert navigation.state == "waived" and navigation.waiver is not None
    assert navigation.waiver.kind == "navigation"


def _coverage(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_text_sheet_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _coverage(capsys, "coverage")
    assert code == 0, err
    assert "42 statements: 15 covered, 27 waived, 0 uncovered" in out
    assert "57 statements: 33 covered, 24 waived, 0 uncovered" in out
    assert "cited by aml-rule-chemotherapy-without-transplant (rules/aml.yaml)" in out
    assert "[Central nervous system prophylaxis or treatment]" in out


def test_cli_json_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _coverage(
        capsys, "coverage", "--document", "all-maintenance", "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["clean"] is True
    assert [d["document"] for d in data["documents"]] == ["all-maintenance"]
    assert data["documents"][0]["totals"] == {"covered": 33, "waived": 24, "uncovered": 0}
    code, out, _ = _coverage(capsys, "coverage", "--format", "markdown")
    assert code == 0 and "| # | Heading | Statement | State | Cited by / reason |" in out


def test_cli_unknown_document_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _coverage(capsys, "coverage", "--document", "cml-maintenance")
    assert code == 2 and "unknown document 'cml-maintenance'" in err


def _broken(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, edit_file: EditFile, old: str, new: str
) -> tuple[int, str]:
    edit_file(rules_copy / "coverage-waivers.yaml", old, new)
    code, _, err = _coverage(capsys, "--rules", str(rules_copy), "coverage")
    return code, err


def test_uncovered_statement_fails(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, edit_file: EditFile
) -> None:
    code, err = _broken(
        capsys, rules_copy, edit_file, "      - Find out more about chemotherapy for AML.\n", ""
    )
    assert code == 1
    assert (
        "statement 11 (introduction) is uncovered: 'Find out more about chemotherapy for AML.'"
        in err
    )


def test_uncovered_when_a_citation_is_removed(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, edit_file: EditFile
) -> None:
    edit_file(
        rules_copy / "aml.yaml",
        "      - quote: Maintenance follows consolidation.\n",
        "",
    )
    report = coverage_report(load_rulebase(rules_copy))
    assert [p.message.split(":")[0] for p in report.problems] == [
        "statement 4 (introduction) is uncovered"
    ]


def test_stale_waiver_fails(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, edit_file: EditFile
) -> None:
    code, err = _broken(
        capsys,
        rules_copy,
        edit_file,
        "Find out more about chemotherapy for AML.",
        "Find out more about chemo for AML.",
    )
    assert code == 1
    assert "stale waiver: 'Find out more about chemo for AML.' is not in the document" in err
    assert "did you mean 'Find out more about chemotherapy for AML.'?" in err


def test_waived_and_covered_fails(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, edit_file: EditFile
) -> None:
    code, err = _broken(
        capsys,
        rules_copy,
        edit_file,
        "      - Find out more about chemotherapy for AML.\n",
        "      - Find out more about chemotherapy for AML.\n      - Maintenance follows consolidation.\n",
    )
    assert code == 1
    assert "statement 4 is both waived (navigation) and covered by aml-note-duration" in err


def test_ambiguous_and_partial_waiver_quotes_fail(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, edit_file: EditFile
) -> None:
    code, err = _broken(
        capsys,
        rules_copy,
        edit_file,
        "      - Find out more about chemotherapy for AML.\n",
        "      - Find out more about\n      - Find out more about chemotherapy\n",
    )
    assert code == 1
    assert "waiver quote occurs 4 times: 'Find out more about'" in err
    assert "waiver quote contains no whole statement: 'Find out more about chemotherapy'" in err


def test_waiver_for_unknown_document_fails(rules_copy: Path, edit_file: EditFile) -> None:
    edit_file(
        rules_copy / "coverage-waivers.yaml",
        "  - document: aml-maintenance\n    kind: title\n",
        "  - document: aml-maintenanse\n    kind: title\n",
    )
    report = coverage_report(load_rulebase(rules_copy))
    assert any(
        "waiver names unknown document 'aml-maintenanse'" in p.message for p in report.problems
    )
