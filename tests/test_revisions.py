"""A revised page: `pathway sources diff` sorts every citation, statement and metadata string into
what needs a decision and what does not; `pathway sources update` stores the text with its history
and rewrites no rule. The revisions are synthetic, built here from the stored pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Rulebase, RulebaseError, explain, load_rulebase
from engine.cli import main
from engine.review.revisions import align, diff_source, word_diff
from engine.review.statements import is_heading
from schemas.revision import CitationStatus, RevisionReport

SORAFENIB = (
    "Sorafenib (Nexavar) is an FLT3 inhibitor that may be used as maintenance therapy for people "
    "who have received a stem cell transplant and are in remission from AML with the FLT3 mutation."
)
SORAFENIB_REWORDED = SORAFENIB.replace("may be used as", "can be given as")
NEW_DRUG = (
    "Venetoclax (Venclexta) may also be used as maintenance therapy for some people with AML."
)
SUPPORTIVE_SECTION_HEADING = "Supportive therapy"


def _stored(rulebase: Rulebase, document: str) -> str:
    return rulebase.sources[document].text


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def _statuses(report: RevisionReport) -> dict[str, set[CitationStatus]]:
    by_status: dict[str, set[CitationStatus]] = {}
    for change in report.citations:
        by_status.setdefault(change.id, set()).add(change.status)
    return by_status


def _needing_review(report: RevisionReport) -> list[tuple[str, CitationStatus]]:
    return [(c.id, c.status) for c in report.citations if c.status.needs_review]


def _sections(text: str) -> tuple[list[str], list[list[str]]]:
    """The text as paragraphs: those before the first heading, then one list per section."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    head: list[str] = []
    sections: list[list[str]] = []
    for index, paragraph in enumerate(paragraphs):
        if index > 0 and "\n" not in paragraph.strip() and is_heading(paragraph):
            sections.append([paragraph])
        elif sections:
            sections[-1].append(paragraph)
        else:
            head.append(paragraph)
    return head, sections


def _join(head: list[str], sections: list[list[str]]) -> str:
    return "\n\n".join([*head, *(p for section in sections for p in section)]) + "\n"


# ------------------------------------------------------------------ the alignment


def test_alignment_keeps_moves_and_rewordings_apart() -> None:
    old = ["A one two three.", "B four five six.", "C seven eight nine.", "D ten eleven twelve."]
    new = ["C seven eight nine.", "A one two three.", "B four five SIX.", "E brand new words."]
    alignment = align(old, new)
    assert alignment.new_to_old == {1: 0, 2: 1, 0: 2}
    assert alignment.relation[1] == "in_place"
    assert alignment.relation[0] == "moved"
    assert alignment.relation[2] == "in_place"  # reworded where it stood
    assert 3 not in alignment.new_to_old  # new; "D" was deleted


def test_word_diff_marks_removed_and_added_words() -> None:
    assert word_diff("may be used as maintenance", "can be given as maintenance") == (
        "[-may-] {+can+} be [-used-] {+given+} as maintenance"
    )


# ------------------------------------------------------------------ synthetic revisions


@pytest.mark.parametrize("document", ["aml-maintenance", "all-maintenance"])
def test_an_identical_copy_needs_no_review(rulebase: Rulebase, document: str) -> None:
    report = diff_source(rulebase, document, _stored(rulebase, document))
    assert not report.needs_review
    assert {c.status for c in report.citations} == {CitationStatus.UNCHANGED}
    assert not any(s.new for s in report.statements)
    assert report.old_sha256 == report.new_sha256


@pytest.mark.parametrize("document", ["aml-maintenance", "all-maintenance"])
def test_whitespace_only_changes_are_unchanged(rulebase: Rulebase, document: str) -> None:
    text = _stored(rulebase, document)
    spaced = text.replace(". ", ".   ").replace("\n\n", "\n \n\n").replace("\n", "  \n")
    report = diff_source(rulebase, document, spaced)
    assert not report.needs_review
    assert {c.status for c in report.citations} == {CitationStatus.UNCHANGED}
    assert report.old_sha256 != report.new_sha256


def test_a_reworded_cited_sentence_is_changed_with_its_closest_passage(
    rulebase: Rulebase,
) -> None:
    text = _replace_once(_stored(rulebase, "aml-maintenance"), SORAFENIB, SORAFENIB_REWORDED)
    report = diff_source(rulebase, "aml-maintenance", text)
    assert _needing_review(report) == [
        ("aml-rule-sorafenib-after-transplant", CitationStatus.CHANGED)
    ]
    change = next(c for c in report.citations if c.status is CitationStatus.CHANGED)
    assert change.closest == SORAFENIB_REWORDED
    assert (
        change.new_start is not None and text[change.new_start : change.new_end] == change.closest
    )
    assert change.similarity is not None and 0.8 < change.similarity < 1
    assert change.word_diff is not None and "[-may-] {+can+}" in change.word_diff
    reworded = next(s for s in report.statements if s.text == SORAFENIB_REWORDED)
    # Not new (it has a counterpart), uncovered until the quote is fixed, and tied to that fix.
    assert not reworded.new and reworded.status == "uncovered"
    assert reworded.closest_of == ("aml-rule-sorafenib-after-transplant",)
    assert report.needs_review


def test_a_clause_quote_in_a_reworded_sentence_finds_the_clause(rulebase: Rulebase) -> None:
    quote = "antibiotics and antifungals to treat infections"
    text = _replace_once(
        _stored(rulebase, "aml-maintenance"),
        quote,
        "antibiotics and antifungals to prevent infections",
    )
    change = next(
        c for c in diff_source(rulebase, "aml-maintenance", text).citations if c.quote == quote
    )
    assert change.status is CitationStatus.CHANGED
    assert change.closest == "antibiotics and antifungals to prevent infections"


def test_an_inserted_sentence_naming_a_new_drug_is_new_and_uncovered(
    rulebase: Rulebase,
) -> None:
    text = _replace_once(_stored(rulebase, "aml-maintenance"), SORAFENIB, f"{SORAFENIB} {NEW_DRUG}")
    report = diff_source(rulebase, "aml-maintenance", text)
    assert _needing_review(report) == []  # every citation still holds where it stood
    flagged = [s for s in report.statements if s.new]
    assert [(s.text, s.status, s.heading) for s in flagged] == [
        (NEW_DRUG, "uncovered", "Targeted therapy")
    ]
    assert report.needs_review


def test_a_deleted_cited_sentence_is_missing(rulebase: Rulebase) -> None:
    text = _replace_once(_stored(rulebase, "aml-maintenance"), SORAFENIB, "")
    report = diff_source(rulebase, "aml-maintenance", text)
    assert _needing_review(report) == [
        ("aml-rule-sorafenib-after-transplant", CitationStatus.MISSING)
    ]
    missing = report.citations[[c.status for c in report.citations].index(CitationStatus.MISSING)]
    assert missing.new_start is None and missing.closest is None
    assert missing.similarity is not None and missing.similarity < 0.5


def test_a_deleted_uncited_sentence_needs_nothing(rulebase: Rulebase) -> None:
    definition = "Clinical trials look at new ways to prevent, find and treat cancer. "
    text = _replace_once(_stored(rulebase, "aml-maintenance"), definition, "")
    report = diff_source(rulebase, "aml-maintenance", text)
    assert not report.needs_review
    assert definition.strip() not in [s.text for s in report.statements]


def test_a_quote_that_now_occurs_twice_is_ambiguous(rulebase: Rulebase) -> None:
    text = _stored(rulebase, "aml-maintenance") + "\nMaintenance follows consolidation.\n"
    report = diff_source(rulebase, "aml-maintenance", text)
    assert _needing_review(report) == [("aml-note-duration", CitationStatus.AMBIGUOUS)]


def test_a_moved_section_moves_its_citations_and_changes_none(rulebase: Rulebase) -> None:
    head, sections = _sections(_stored(rulebase, "aml-maintenance"))
    headings = [section[0] for section in sections]
    supportive = sections.pop(headings.index(SUPPORTIVE_SECTION_HEADING))
    sections.append(supportive)  # to the end of the page, after the disclaimer
    report = diff_source(rulebase, "aml-maintenance", _join(head, sections))
    statuses = _statuses(report)
    assert statuses["aml-rule-supportive-care"] == {CitationStatus.MOVED}
    assert statuses["aml-rule-sorafenib-after-transplant"] == {CitationStatus.UNCHANGED}
    assert _needing_review(report) == []
    assert not any(s.new for s in report.statements)
    assert not report.needs_review


def test_metadata_that_left_the_text_is_reported(rulebase: Rulebase) -> None:
    text = _replace_once(
        _stored(rulebase, "aml-maintenance"), "John Storring, MD, CM", "J. Storring"
    )
    report = diff_source(rulebase, "aml-maintenance", text)
    assert [(m.field, m.value) for m in report.metadata if not m.present] == [
        ("reviewers", "John Storring, MD, CM")
    ]
    assert report.needs_review


# ------------------------------------------------------------------ properties


@settings(max_examples=25, deadline=None)
@given(document=st.sampled_from(["aml-maintenance", "all-maintenance"]), data=st.data())
def test_permuting_whole_sections_moves_citations_but_changes_none(
    rulebase: Rulebase, document: str, data: st.DataObject
) -> None:
    head, sections = _sections(_stored(rulebase, document))
    permuted = data.draw(st.permutations(sections))
    report = diff_source(rulebase, document, _join(head, list(permuted)))
    assert {c.status for c in report.citations} <= {CitationStatus.UNCHANGED, CitationStatus.MOVED}
    assert not any(s.new for s in report.statements)
    assert not report.needs_review


@settings(max_examples=25, deadline=None)
@given(
    document=st.sampled_from(["aml-maintenance", "all-maintenance"]),
    spaces=st.lists(st.sampled_from([" ", "  ", "\t", " \n"]), min_size=1, max_size=4),
)
def test_the_diff_of_a_text_with_itself_is_clean_whatever_the_trailing_space(
    rulebase: Rulebase, document: str, spaces: list[str]
) -> None:
    text = _stored(rulebase, document)
    for space in spaces:
        text = text.replace("\n", space + "\n", 1)
    report = diff_source(rulebase, document, text)
    assert not report.needs_review
    assert {c.status for c in report.citations} == {CitationStatus.UNCHANGED}


# ------------------------------------------------------------------ the command


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "new.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_diff_command_exit_codes_and_checklist(
    capsys: pytest.CaptureFixture[str], rulebase: Rulebase, tmp_path: Path
) -> None:
    same = _write(tmp_path, _stored(rulebase, "aml-maintenance"))
    assert main(["sources", "diff", "aml-maintenance", same]) == 0
    assert "Nothing needs review" in capsys.readouterr().out
    revised = _replace_once(_stored(rulebase, "aml-maintenance"), SORAFENIB, SORAFENIB_REWORDED)
    revised = _replace_once(
        revised,
        "Maintenance follows consolidation.",
        f"Maintenance follows consolidation. {NEW_DRUG}",
    )
    assert main(["sources", "diff", "aml-maintenance", _write(tmp_path, revised)]) == 1
    out = capsys.readouterr().out
    assert "[ ] Citations to update (1):" in out
    assert "aml-rule-sorafenib-after-transplant (changed)" in out
    assert "[ ] Statements to encode in a rule or note, or waive with a reason (1):" in out
    assert f"(new, under “introduction”) “{NEW_DRUG}”" in out
    # The reworded sentence is listed under its citation, not again as a statement to encode.
    assert out.count(SORAFENIB_REWORDED) == 1


def test_diff_command_json_shape(
    capsys: pytest.CaptureFixture[str], rulebase: Rulebase, tmp_path: Path
) -> None:
    revised = _stored(rulebase, "all-maintenance").replace(". ", ".  ")
    assert (
        main(["sources", "diff", "all-maintenance", _write(tmp_path, revised), "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "document",
        "old_sha256",
        "new_sha256",
        "citations",
        "statements",
        "metadata",
    }
    assert set(data["citations"][0]) >= {
        "id",
        "quote",
        "status",
        "old_start",
        "old_end",
        "new_start",
        "new_end",
        "closest",
        "similarity",
    }
    assert set(data["statements"][0]) >= {"text", "start", "end", "status", "new"}
    assert set(data["metadata"][0]) == {"field", "value", "present"}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["aml-maintenanse", "{file}"],
            "unknown document 'aml-maintenanse'\nDid you mean 'aml-maintenance'?",
        ),
        (["aml-maintenance", "{missing}"], "cannot read the file: No such file or directory"),
        (["aml-maintenance", "/dev/zero"], "larger than 5,000,000 bytes"),
        (["aml-maintenance", "{latin1}"], "not UTF-8 text"),
        (["aml-maintenance", "{directory}"], "is a directory"),
    ],
)
def test_diff_command_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], expected: str
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("text\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Médicament\n".encode("latin-1"))
    names = {
        "{file}": str(good),
        "{missing}": str(tmp_path / "absent.txt"),
        "{latin1}": str(latin1),
        "{directory}": str(tmp_path),
    }
    assert main(["sources", "diff", *(names.get(a, a) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


# ------------------------------------------------------------------ storing a revision


def test_update_stores_the_text_and_its_history_and_rewrites_no_rule(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, tmp_path: Path
) -> None:
    rules_before = {p.name: p.read_bytes() for p in rules_copy.glob("*.yaml")}
    meta_path = rules_copy / "sources" / "aml-maintenance.yaml"
    old_sha = load_rulebase(rules_copy).sources["aml-maintenance"].sha256
    original = (rules_copy / "sources" / "aml-maintenance.txt").read_text(encoding="utf-8")
    revised = _replace_once(original, SORAFENIB, f"{SORAFENIB} {NEW_DRUG}")
    argv = ["--rules", str(rules_copy), "sources", "update", "aml-maintenance"]
    assert main([*argv, _write(tmp_path, revised), "--retrieved", "2026-12-01"]) == 0
    capsys.readouterr()
    assert (rules_copy / "sources" / "aml-maintenance.txt").read_text(encoding="utf-8") == revised
    assert {p.name: p.read_bytes() for p in rules_copy.glob("*.yaml")} == rules_before
    meta = meta_path.read_text(encoding="utf-8")
    assert "# The day this copy entered the repository" in meta  # comments survive
    rulebase = load_rulebase(rules_copy)  # the inserted sentence breaks no quote
    source = rulebase.sources["aml-maintenance"]
    assert str(source.retrieved) == "2026-12-01" and source.sha256 != old_sha
    assert [r.sha256 for r in source.revisions] == [old_sha]
    assert str(source.revisions[0].retrieved) == "2026-11-21"
    # The new drug is stored in the text, and in no rule or explanation.
    assert "Venetoclax" not in json.dumps(
        [explain({"disease": "AML"}, rulebase=rulebase).model_dump(mode="json")]
    )
    # A second revision appends to the history.
    assert main([*argv, _write(tmp_path, original)]) == 0
    assert [r.sha256 for r in load_rulebase(rules_copy).sources["aml-maintenance"].revisions] == [
        old_sha,
        source.sha256,
    ]
    # The same text again changes nothing.
    before = meta_path.read_bytes()
    assert main([*argv, _write(tmp_path, original)]) == 0
    assert "nothing changed" in capsys.readouterr().out and meta_path.read_bytes() == before


def test_after_an_update_a_broken_quote_fails_loading_and_points_to_the_diff(
    capsys: pytest.CaptureFixture[str], rules_copy: Path, tmp_path: Path
) -> None:
    original = (rules_copy / "sources" / "aml-maintenance.txt").read_text(encoding="utf-8")
    revised = _replace_once(original, SORAFENIB, SORAFENIB_REWORDED)
    argv = ["--rules", str(rules_copy), "sources", "update", "aml-maintenance"]
    assert main([*argv, _write(tmp_path, revised)]) == 0
    assert "aml-rule-sorafenib-after-transplant" in capsys.readouterr().out
    with pytest.raises(RulebaseError) as caught:
        load_rulebase(rules_copy)
    assert caught.value.rule_id == "aml-rule-sorafenib-after-transplant"
    assert "pathway sources diff aml-maintenance" in str(caught.value)


def test_explanations_carry_each_sources_url_date_and_hash(rulebase: Rulebase) -> None:
    provenance = explain({"disease": "ALL"}, rulebase=rulebase).provenance
    (source,) = [s for s in provenance.sources if s.document == "all-maintenance"]
    assert source.url == (
        "https://cancer.ca/en/cancer-information/cancer-types/"
        "acute-lymphoblastic-leukemia-all/treatment/maintenance"
    )
    assert str(source.retrieved) == "2026-11-21"
    assert source.sha256 == rulebase.sources["all-maintenance"].sha256


def test_a_quote_spanning_two_statements(
    rules_copy: Path, edit_file: Callable[[Path, str, str], None]
) -> None:
    spanning = "intermediate or unfavourable chromosome changes. Maintenance follows consolidation."
    edit_file(
        rules_copy / "aml.yaml",
        "quote: Maintenance follows consolidation.",
        f"quote: {spanning}",
    )
    rulebase = load_rulebase(rules_copy)
    text = _stored(rulebase, "aml-maintenance")
    same = diff_source(rulebase, "aml-maintenance", text)
    assert not same.needs_review
    reworded = _replace_once(
        text, "Maintenance follows consolidation.", "Maintenance comes after consolidation."
    )
    report = diff_source(rulebase, "aml-maintenance", reworded)
    (change,) = [c for c in report.citations if c.id == "aml-note-duration" and c.quote == spanning]
    assert change.status is CitationStatus.CHANGED
    assert change.closest == (
        "intermediate or unfavourable chromosome changes. Maintenance comes after consolidation."
    )
