"""Narrated walkthroughs: the neutral structure, the text and Markdown renderers, the golden
Markdown of two cases, and the `pathway walkthrough` command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine import Rulebase
from engine.cli import main
from engine.teaching.cases import LoadedCase, bundled_cases, find_case
from engine.teaching.markdown import render_walkthrough_markdown
from engine.teaching.text import render_walkthrough_text
from engine.teaching.walkthrough import Passage, Walkthrough, build_walkthrough, merge_spans
from schemas.explanation import Status

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_CASES = ("aml-intermediate-no-transplant", "all-imatinib-not-working")
CASE_PARAMS = [pytest.param(loaded, id=loaded.id) for loaded in bundled_cases()]
SECTIONS_IN_ORDER = (
    "The situation",
    "Option by option",
    "Summary",
    "What further information would change the picture",
    "Notes from the page",
    "Learning points",
    "Sources",
)


def _walkthrough(case_id: str, rulebase: Rulebase) -> Walkthrough:
    return build_walkthrough(find_case(case_id), rulebase)


def _flat(text: str) -> str:
    # Undo wrapping and indentation, so that a quote can be searched for as one line.
    return " ".join(text.split())


@pytest.mark.parametrize("loaded", CASE_PARAMS)
def test_every_case_renders_as_text_and_markdown(loaded: LoadedCase, rulebase: Rulebase) -> None:
    walkthrough = build_walkthrough(loaded, rulebase)
    explanation = walkthrough.explanation
    for rendered in (
        render_walkthrough_text(walkthrough),
        render_walkthrough_markdown(walkthrough),
    ):
        flat = _flat(rendered)
        positions = [flat.find(section) for section in SECTIONS_IN_ORDER]
        assert -1 not in positions and positions == sorted(positions)
        assert _flat(explanation.disclaimer) in flat
        assert flat.rstrip().endswith(_flat(explanation.disclaimer))
        assert _flat(loaded.case.vignette) in flat
        for option in explanation.options:
            assert option.title in flat
            for citation in option.citations:
                assert f"\u201c{_flat(citation.quote)}\u201d" in flat
        for note in explanation.notes:
            assert note.text in flat
        for point in loaded.case.learning_points:
            assert _flat(point) in flat
        # It describes what the page says; it never says what a patient should get.
        assert not re.search(r"\bshould\b|\byou must\b|\bwe recommend", rendered, re.IGNORECASE)


@pytest.mark.parametrize("case_id", GOLDEN_CASES)
def test_golden_markdown(case_id: str, rulebase: Rulebase) -> None:
    expected = (GOLDEN / f"walkthrough-{case_id}.md").read_text(encoding="utf-8")
    assert render_walkthrough_markdown(_walkthrough(case_id, rulebase)) == expected, (
        "Regenerate with `make golden` and read the diff."
    )


def test_facts_given_and_unknown(rulebase: Rulebase) -> None:
    walkthrough = _walkthrough("aml-intermediate-no-transplant", rulebase)
    assert walkthrough.facts_given == (
        "Cytogenetic risk (chromosome changes): intermediate",
        "Stem cell transplant: ineligible (unable to have a stem cell transplant)",
        "In remission: yes",
    )
    assert walkthrough.facts_unknown == ("FLT3 mutation",)
    assert walkthrough.unknown_without_effect == ("FLT3 mutation",)
    assert walkthrough.missing == ()


def test_each_step_says_why(rulebase: Rulebase) -> None:
    steps = {s.id: s for s in _walkthrough("all-imatinib-not-working", rulebase).steps}
    assert steps["all-imatinib"].status is Status.DOES_NOT_APPLY
    assert steps["all-imatinib"].verdict == (
        "The page does not describe this option for this situation (the exception the page "
        "states holds here — Response to imatinib: not effective)."
    )
    assert steps["all-second-line-tki"].verdict == (
        "Every condition the page sets is met, so the page describes this option for this situation."
    )
    assert [s.number for s in steps.values()] == list(range(1, len(steps) + 1))
    sorafenib = next(
        s for s in _walkthrough("aml-flt3-relapsed", rulebase).steps if s.id == "aml-sorafenib"
    )
    assert sorafenib.verdict == (
        "The page does not describe this option for this situation (not met: In remission)."
    )
    open_case = _walkthrough("aml-transplant-decision-open", rulebase)
    chemo = next(s for s in open_case.steps if s.id == "aml-oral-azacitidine")
    assert chemo.verdict == (
        "Whether the page describes this option here depends on facts not given: Stem cell "
        "transplant."
    )
    assert chemo.changes == (
        "if Stem cell transplant were known: received (has had a stem cell transplant) → does "
        "not apply; eligible (able to have a stem cell transplant) → does not apply; ineligible "
        "(unable to have a stem cell transplant) → applies",
    )


def test_missing_information_says_how_it_would_change(rulebase: Rulebase) -> None:
    walkthrough = _walkthrough("all-little-known", rulebase)
    facts = {fact.field: fact for fact in walkthrough.missing}
    assert list(facts) == [
        "subtype",
        "ph_status",
        "imatinib_response",
        "intensive_earlier_treatment",
    ]
    assert facts["subtype"].effects == (
        "The note \u201cSome subtypes, such as T-cell ALL and Burkitt-type leukemia (mature B-cell "
        "ALL), may not need maintenance treatment.\u201d — if ALL subtype were known: B-cell → not "
        "shown; T-cell → shown (applies); mature B-cell (Burkitt-type) → shown (applies)",
    )
    assert facts["ph_status"].effects[0] == (
        "Imatinib, a tyrosine kinase inhibitor (TKI) — if Philadelphia chromosome (Ph) status were "
        "known: positive → applies; negative → does not apply"
    )
    assert walkthrough.unknown_without_effect == ("Central nervous system (CNS) involvement",)


def test_summary_groups_options_by_status(rulebase: Rulebase) -> None:
    walkthrough = _walkthrough("aml-little-known", rulebase)
    groups = {group.status: [s.id for s in group.steps] for group in walkthrough.summary}
    assert groups == {
        Status.APPLIES: ["aml-supportive-care", "aml-clinical-trials"],
        Status.NEEDS_INFORMATION: ["aml-oral-azacitidine", "aml-sorafenib"],
    }


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        ([], []),
        ([(5, 9), (1, 3)], [(1, 3), (5, 9)]),
        ([(1, 5), (5, 9)], [(1, 9)]),
        ([(1, 6), (4, 9)], [(1, 9)]),
        ([(1, 10), (3, 4), (2, 5)], [(1, 10)]),
        ([(1, 4), (1, 4), (6, 7)], [(1, 4), (6, 7)]),
        ([(1, 4), (5, 6)], [(1, 4), (5, 6)]),
    ],
)
def test_merge_spans(spans: list[tuple[int, int]], merged: list[tuple[int, int]]) -> None:
    assert merge_spans(spans) == merged


def test_passages_cover_citations_and_name_who_cites_them(rulebase: Rulebase) -> None:
    walkthrough = _walkthrough("all-ph-positive-imatinib", rulebase)
    (document,) = walkthrough.documents
    assert document.id == "all-maintenance"
    spans = [(p.start, p.end) for p in document.passages]
    assert spans == merge_spans(spans)
    text = rulebase.sources["all-maintenance"].text

    def passage_with(sentence: str) -> Passage:
        start = text.index(sentence)
        return next(p for p in document.passages if p.start <= start < p.end)

    # "During the maintenance phase … (TKI)." is cited by both TKI options.
    shared = passage_with("During the maintenance phase of treatment, people with Ph+ ALL continue")
    assert {c.id for c in shared.cited_by} >= {"all-imatinib", "all-second-line-tki"}
    assert shared.status is Status.APPLIES
    dasatinib = passage_with("If this doesn't work, you may be offered the drug dasatinib")
    assert [c.id for c in dasatinib.cited_by] == ["all-second-line-tki"]
    assert dasatinib.status is Status.DOES_NOT_APPLY


# --- the command -------------------------------------------------------------------------------


def test_cli_text_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "aml-flt3-after-transplant"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Case: FLT3-mutated AML after a stem cell transplant, in remission\n")
    assert "Step 2. Targeted therapy with sorafenib, an FLT3 inhibitor — applies" in out


def test_cli_all_cases_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert len(re.findall(r"^# Case: ", out, re.MULTILINE)) == len(CASE_PARAMS)


def test_cli_out_dir_writes_one_file_per_case(tmp_path: Path) -> None:
    target = tmp_path / "md"
    assert (
        main(
            [
                "walkthrough",
                "all-t-cell",
                "aml-favourable-risk",
                "--format",
                "markdown",
                "--out",
                str(target),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in target.iterdir()) == ["all-t-cell.md", "aml-favourable-risk.md"]
    assert (target / "all-t-cell.md").read_text(encoding="utf-8").startswith("# Case: T-cell ALL\n")


def test_cli_unknown_case_exits_2_with_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "all-tcell"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pathway: error: all-tcell: no bundled case has this id\n")
    assert "Did you mean 'all-t-cell'?" in err


def test_cli_broken_case_file_exits_2_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "aml-favourable-risk.yaml"
    source = find_case("aml-favourable-risk").path.read_text(encoding="utf-8")
    path.write_text(
        source.replace("flt3_mutation: false", "flt3_mutation: maybe"), encoding="utf-8"
    )
    assert main(["walkthrough", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pathway: error: {path}: invalid profile: field 'flt3_mutation'")
    assert "Traceback" not in err


def test_cli_warns_when_a_case_contradicts_the_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "aml-favourable-risk.yaml"
    shutil.copy(find_case("aml-favourable-risk").path, path)
    text = path.read_text(encoding="utf-8").replace(
        "aml-sorafenib: does_not_apply", "aml-sorafenib: applies"
    )
    path.write_text(text, encoding="utf-8")
    assert main(["walkthrough", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Case: Favourable-risk AML" in captured.out
    assert captured.err == (
        f"pathway: warning: {path}: teaches.options.aml-sorafenib: the case teaches 'applies', "
        "but the documents give 'does_not_apply'\n"
    )


def test_cli_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CASE_PARAMS)
    assert "aml-flt3-relapsed  The same patient, after the AML has come back" in lines


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        (b"id: x\xff\n", "input is not UTF-8 text"),
        (b"#" * 200_001, "input is larger than 200,000 bytes"),
    ],
)
def test_unreadable_case_file_names_the_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    from engine.errors import InputError
    from engine.teaching.cases import read_case

    path = tmp_path / "broken-case.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_case(path)
    assert caught.value.path == str(path) and message in str(caught.value)
