"""The explorer page without a browser: its embedded data is exactly the engine's explanations
(nothing lost by normalising), the page is self-contained and small, its script holds no rule
knowledge, and `pathway explorer` writes it. The browser tests drive the same page in Chromium."""

from __future__ import annotations

import itertools
import json
import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from engine import Explanation, Rulebase
from engine.cli import main
from engine.domain.profile_space import field_domains
from engine.rendering.explanation import citation_location
from engine.teaching.explorer import (
    MAX_PAGE_BYTES,
    all_explanations,
    fragment,
    profile_key,
    render_explorer_html,
    script_json,
)
from engine.teaching.templating import asset


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def explanations(rulebase: Rulebase) -> list[Explanation]:
    return all_explanations(rulebase)


@pytest.fixture(scope="module")
def page(rulebase: Rulebase, explanations: list[Explanation]) -> str:
    return render_explorer_html(rulebase, explanations)


@pytest.fixture(scope="module")
def parsed(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def data(parsed: _Page) -> dict[str, Any]:
    (embedded,) = [
        text
        for text, (tag, attrs) in zip(
            parsed.scripts, [t for t in parsed.tags if t[0] == "script"], strict=True
        )
        if attrs.get("type") == "application/json"
    ]
    loaded: dict[str, Any] = json.loads(embedded)
    return loaded


def test_the_space_is_every_profile_once(explanations: list[Explanation]) -> None:
    keys = [profile_key(e) for e in explanations]
    assert len(keys) == len(set(keys)) == 144 + 324


def test_the_page_is_small(page: str) -> None:
    size = len(page.encode("utf-8"))
    assert size <= MAX_PAGE_BYTES
    # The aim: under 1 MB, thanks to storing each distinct item once.
    assert size <= 1_000_000, size


def test_the_page_is_self_contained(parsed: _Page, rulebase: Rulebase) -> None:
    names = [tag for tag, _ in parsed.tags]
    assert not {"link", "img", "iframe", "object", "embed", "video", "audio"} & set(names)
    assert all("src" not in attrs for _, attrs in parsed.tags)
    source_urls = {document.url for document in rulebase.sources.values()}
    for tag, attrs in parsed.tags:
        href = attrs.get("href")
        if href is not None:
            # In-page links, and the source pages' addresses shown as provenance (followed
            # only when clicked).
            assert href.startswith("#") or href in source_urls, (tag, href)
    assert not any(re.search(r"https?://", script) for script in parsed.scripts[1:])


def _decoded(data: dict[str, Any], disease: str, key: str) -> dict[str, Any]:
    """One situation rebuilt from the tables, in the shape of the explanation's own fields."""
    entry = next(d for d in data["diseases"] if d["code"] == disease)
    option_refs, note_refs, _, missing_ref = entry["profiles"][key]

    def what_ifs(refs: list[int]) -> list[Any]:
        return [
            {
                "field": data["whatIfs"][ref]["f"],
                "outcomes": [[value, status] for value, status in data["whatIfs"][ref]["o"]],
            }
            for ref in refs
        ]

    def citations(refs: list[int]) -> list[Any]:
        return [
            [
                data["documents"][data["citations"][ref]["d"]]["id"],
                data["citations"][ref]["s"],
                data["citations"][ref]["e"],
                data["citations"][ref]["l"],
            ]
            for ref in refs
        ]

    options = []
    for ref in option_refs:
        result = data["optionResults"][ref]
        option = entry["options"][result["o"]]
        options.append(
            {
                "id": option["id"],
                "title": option["title"],
                "treatments": option["treatments"],
                "status": result["s"],
                "reasons": [data["reasons"][r]["t"] for r in result["r"]],
                "needs": result["n"],
                "what_if": what_ifs(result["w"]),
                "citations": citations(result["c"]),
                "rule_notes": [data["texts"][t] for t in result["p"]],
            }
        )
    notes = [
        {
            "id": data["noteResults"][ref]["id"],
            "text": data["texts"][data["noteResults"][ref]["t"]],
            "status": data["noteResults"][ref]["s"],
            "needs": data["noteResults"][ref]["n"],
            "what_if": what_ifs(data["noteResults"][ref]["w"]),
            "citations": citations(data["noteResults"][ref]["c"]),
        }
        for ref in note_refs
    ]
    return {"options": options, "notes": notes, "missing": data["lists"][missing_ref]}


def _token(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _original(explanation: Explanation) -> dict[str, Any]:
    def what_ifs(items: Any) -> list[Any]:
        return [
            {
                "field": w.field,
                "outcomes": [[_token(o.value), o.status.value] for o in w.outcomes],
            }
            for w in items
        ]

    def citations(items: Any) -> list[Any]:
        return [[c.document, c.start, c.end, citation_location(c)] for c in items]

    return {
        "options": [
            {
                "id": o.id,
                "title": o.title,
                "treatments": list(o.treatments),
                "status": o.status.value,
                "reasons": [r.text for r in o.reasons],
                "needs": list(o.needs),
                "what_if": what_ifs(o.what_if),
                "citations": citations(o.citations),
                "rule_notes": list(o.rule_notes),
            }
            for o in explanation.options
        ],
        "notes": [
            {
                "id": n.id,
                "text": n.text,
                "status": n.status.value,
                "needs": list(n.needs),
                "what_if": what_ifs(n.what_if),
                "citations": citations(n.citations),
            }
            for n in explanation.notes
        ],
        "missing": list(explanation.missing_information),
    }


def test_the_data_is_exactly_the_engines_explanations(
    data: dict[str, Any], explanations: list[Explanation]
) -> None:
    for explanation in explanations:
        key = profile_key(explanation)
        assert _decoded(data, explanation.profile.disease, key) == _original(explanation), key


def test_highlights_are_the_merged_citations_of_what_applies_or_needs_information(
    data: dict[str, Any], explanations: list[Explanation], rulebase: Rulebase
) -> None:
    for explanation in explanations:
        entry = next(d for d in data["diseases"] if d["code"] == explanation.profile.disease)
        passages = [
            data["passages"][ref]
            for ref in data["passageSets"][entry["profiles"][profile_key(explanation)][2]]
        ]
        shown = [
            c
            for item in [*explanation.options, *explanation.notes]
            if item.status.value != "does_not_apply"
            for c in item.citations
        ]
        hidden = [
            c
            for o in explanation.options
            if o.status.value == "does_not_apply"
            for c in o.citations
        ]
        # Sorted, disjoint, each covering at least one citation shown; every citation shown is
        # inside one passage; a citation only of options that do not apply is in none.
        for before, after in itertools.pairwise(passages):
            assert (before["d"], before["e"]) < (after["d"], after["s"])
        for citation in shown:
            document = data["documents"].index(
                next(d for d in data["documents"] if d["id"] == citation.document)
            )
            assert any(
                p["d"] == document and p["s"] <= citation.start and citation.end <= p["e"]
                for p in passages
            )
        shown_spans = {(c.start, c.end) for c in shown}
        for citation in hidden:
            if (citation.start, citation.end) not in shown_spans:
                assert not any(
                    p["s"] <= citation.start and citation.end <= p["e"] for p in passages
                )
        assert all(p["st"] in ("applies", "needs_information") for p in passages)


def test_the_fragment_and_key_name_each_fact(explanations: list[Explanation]) -> None:
    explanation = next(
        e
        for e in explanations
        if e.profile.disease == "AML"
        and e.profile.model_dump(mode="json")
        == {
            "disease": "AML",
            "cytogenetic_risk": "intermediate",
            "flt3_mutation": False,
            "transplant_status": "unknown",
            "in_remission": None,
        }
    )
    assert fragment(explanation) == "disease=AML&cytogenetic_risk=intermediate&flt3_mutation=false"
    assert profile_key(explanation) == "AML|intermediate|false||"


def test_provenance_is_shown(page: str, data: dict[str, Any], rulebase: Rulebase) -> None:
    assert f"Rulebase version <strong>{rulebase.version}</strong>" in page
    for document in rulebase.sources.values():
        assert document.sha256 in page
        assert document.url is not None and document.url in page
        assert document.retrieved is not None and f"retrieved {document.retrieved}" in page
    assert [d["sha256"] for d in data["documents"]] == [d.sha256 for d in rulebase.sources.values()]


def test_the_script_knows_no_rule() -> None:
    """The script only looks up: no field, value, option or note of the rulebase is named in it,
    so it cannot decide anything about one."""
    script = asset("explorer.js")
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", script))
    rule_words = {"AML", "ALL"}
    for disease in ("AML", "ALL"):
        for name, domain in field_domains(disease).items():
            rule_words.add(name)
            rule_words.update(str(v) for v in domain if not isinstance(v, bool))
    assert words & rule_words == set()
    assert "</" not in script


def test_embedded_json_cannot_close_its_script() -> None:
    text = str(script_json({"quote": "</script><script>alert(1)</script> & <!--"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"quote": "</script><script>alert(1)</script> & <!--"}


def test_templates_ship_with_the_package() -> None:
    templates = files("engine.teaching") / "templates"
    names = {entry.name for entry in templates.iterdir()}
    assert {"explorer.html.j2", "explorer.js", "explorer.css", "walkthrough.html.j2"} <= names


def test_cli_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "deep" / "explorer.html"
    assert main(["explorer", "--out", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"Open {target} in a browser" in out
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_reports_an_unwritable_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["explorer", "--out", str(blocker / "explorer.html")]) == 2
    error = capsys.readouterr().err
    assert "cannot write the explorer page" in error and str(blocker) in error
    assert "Traceback" not in error
