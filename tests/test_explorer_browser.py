"""The explorer page in a real Chromium (Debian's package, driven by Playwright): every one of the
468 situations shows exactly the library's statuses, controls and what-if buttons change the
situation and its link, citations light up, practice mode scores, and the page makes no network
request, logs no error and names every control.

Without a browser these tests skip with the reason, except under CI=true, where they fail: CI
must not pass without having driven a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from engine import Explanation, Rulebase, explain
from engine.teaching.cases import find_case
from engine.teaching.explorer import all_explanations, fragment, render_explorer_html
from engine.teaching.html import render_walkthrough_html
from engine.teaching.walkthrough import build_walkthrough
from tests.chromium import launch, missing_browser_reason

pytestmark = pytest.mark.browser

_REASON = missing_browser_reason()
if _REASON is not None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser tests, but {_REASON}", pytrace=False)
    pytest.skip(f"browser tests skipped: {_REASON}", allow_module_level=True)

from playwright.sync_api import ConsoleMessage, Page, Route, sync_playwright  # noqa: E402

# Every situation, opened by its fragment, read back from the page in one script run.
READ_ALL = """
async (fragments) => {
  const read = () => ({
    options: Object.fromEntries([...document.querySelectorAll("[data-option]")]
      .map((node) => [node.dataset.option, node.dataset.status])),
    notes: Object.fromEntries([...document.querySelectorAll("[data-note]")]
      .map((node) => [node.dataset.note, node.dataset.status])),
  });
  const results = [];
  for (const fragment of fragments) {
    if (location.hash !== "#" + fragment) {
      const changed = new Promise((resolve) =>
        window.addEventListener("hashchange", resolve, { once: true }));
      location.hash = fragment;
      await changed;
    }
    results.push(read());
  }
  return results;
}
"""


@dataclass
class Session:
    """One page of one browser, and everything it did that it should not have."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, fragment: str = "", *, width: int = 1280) -> None:
        """Load the page afresh at a situation."""
        self.page.set_viewport_size({"width": width, "height": 900})
        self.page.goto("about:blank")
        self.page.goto(self.url + (f"#{fragment}" if fragment else ""))

    def fragment(self) -> str:
        return unquote(urlsplit(self.page.url).fragment)


_READ_NOW = """
() => ({
  options: Object.fromEntries([...document.querySelectorAll("[data-option]")]
    .map((node) => [node.dataset.option, node.dataset.status])),
  notes: Object.fromEntries([...document.querySelectorAll("[data-note]")]
    .map((node) => [node.dataset.note, node.dataset.status])),
})
"""


def _expected(explanation: Explanation) -> dict[str, dict[str, str]]:
    return {
        "options": {o.id: o.status.value for o in explanation.options},
        "notes": {n.id: n.status.value for n in explanation.notes},
    }


@pytest.fixture(scope="module")
def explanations(rulebase: Rulebase) -> list[Explanation]:
    return all_explanations(rulebase)


@pytest.fixture(scope="module")
def session(
    rulebase: Rulebase, explanations: list[Explanation], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Session]:
    """One browser session for the whole module: the page is generated once, then every test
    opens it at the situation it needs."""
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    path.write_text(render_explorer_html(rulebase, explanations), encoding="utf-8")
    with sync_playwright() as playwright, launch(playwright) as context:
        page = context.new_page()
        found = Session(page=page, url=path.as_uri())

        def route(route: Route) -> None:
            url = route.request.url
            found.requests.append(url)
            if url.startswith(("file:", "data:", "about:")):
                route.continue_()
            else:
                found.blocked.append(url)
                route.abort()

        def console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                found.errors.append(f"console {message.type}: {message.text}")

        context.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda error: found.errors.append(f"page error: {error}"))
        yield found


def test_every_situation_shows_the_library_statuses(
    session: Session, explanations: list[Explanation]
) -> None:
    assert len(explanations) == 468
    session.open()
    results = session.page.evaluate(READ_ALL, [fragment(e) for e in explanations])
    wrong = [
        (fragment(e), shown, _expected(e))
        for e, shown in zip(explanations, results, strict=True)
        if shown != _expected(e)
    ]
    assert wrong == [], f"{len(wrong)} situations differ; first: {wrong[:3]}"


def test_no_fragment_shows_a_disease_with_everything_unknown(session: Session) -> None:
    session.open()
    assert session.page.evaluate(_READ_NOW) == _expected(explain({"disease": "AML"}))
    for select in session.page.locator("select[data-field]:not([data-field=disease])").all():
        assert select.input_value() == "unknown"


def test_an_invalid_value_is_named_and_treated_as_unknown(session: Session) -> None:
    session.open("disease=AML&flt3_mutation=maybe&cytogenetic_risk=intermediate&colour=blue")
    notice = session.page.locator("#notice")
    assert notice.is_visible()
    assert "“maybe” is not a value of “FLT3 mutation”" in notice.inner_text()
    assert "“colour” is not a fact of AML" in notice.inner_text()
    assert session.page.locator("[data-field=flt3_mutation]").input_value() == "unknown"
    expected = explain({"disease": "AML", "cytogenetic_risk": "intermediate"})
    assert session.page.evaluate(_READ_NOW) == _expected(expected)


def test_controls_change_the_statuses_and_the_fragment(session: Session) -> None:
    session.open("disease=AML")
    page = session.page
    page.select_option("[data-field=cytogenetic_risk]", "intermediate")
    page.select_option("[data-field=transplant_status]", "ineligible")
    assert (
        session.fragment()
        == "disease=AML&cytogenetic_risk=intermediate&transplant_status=ineligible"
    )
    profile = {
        "disease": "AML",
        "cytogenetic_risk": "intermediate",
        "transplant_status": "ineligible",
    }
    assert page.evaluate(_READ_NOW) == _expected(explain(profile))
    page.select_option("[data-field=flt3_mutation]", "true")
    assert session.fragment().endswith("&flt3_mutation=true&transplant_status=ineligible")
    assert page.evaluate(_READ_NOW) == _expected(explain({**profile, "flt3_mutation": True}))
    # Another disease: its own facts, all unknown, and only its options.
    page.select_option("[data-field=disease]", "ALL")
    assert session.fragment() == "disease=ALL"
    assert page.evaluate(_READ_NOW) == _expected(explain({"disease": "ALL"}))
    assert page.locator("[data-field=ph_status]").count() == 1
    assert page.locator("[data-field=cytogenetic_risk]").count() == 0
    # Each change is a history entry: Back returns to the previous situation.
    page.go_back()
    assert session.fragment().startswith("disease=AML&cytogenetic_risk=intermediate")
    assert page.locator("[data-field=flt3_mutation]").input_value() == "true"


def test_a_what_if_button_sets_its_value(session: Session) -> None:
    session.open("disease=AML&cytogenetic_risk=intermediate")
    page = session.page
    option = page.locator("[data-option=aml-oral-azacitidine]")
    assert option.get_attribute("data-status") == "needs_information"
    button = option.locator(
        "button[data-whatif-field=transplant_status][data-whatif-value=ineligible]"
    )
    assert button.inner_text() == "ineligible (unable to have a stem cell transplant) → applies"
    button.click()
    assert page.locator("[data-field=transplant_status]").input_value() == "ineligible"
    assert "transplant_status=ineligible" in session.fragment()
    assert option.get_attribute("data-status") == "applies"


def _mark_covering(session: Session, start: int, end: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = session.page.evaluate(
        """([start, end]) => {
          const mark = [...document.querySelectorAll("#documents mark")].find(
            (m) => Number(m.dataset.start) <= start && end <= Number(m.dataset.end));
          return mark ? { status: mark.dataset.status, text: mark.textContent } : null;
        }""",
        [start, end],
    )
    return found


def test_the_cited_sentence_is_highlighted_when_its_option_applies(
    session: Session, rulebase: Rulebase
) -> None:
    applies = explain(
        {"disease": "AML", "cytogenetic_risk": "intermediate", "transplant_status": "ineligible"}
    )
    (option,) = [o for o in applies.options if o.id == "aml-oral-azacitidine"]
    citation = next(c for c in option.citations if "unable to have" in c.quote)
    text = rulebase.sources[citation.document].text
    session.open(fragment(applies))
    mark = _mark_covering(session, citation.start, citation.end)
    assert mark is not None and mark["status"] == "applies"
    assert text[citation.start : citation.end] in mark["text"]
    # The quote's button focuses that passage in the page.
    session.page.locator("[data-option=aml-oral-azacitidine] button[data-citation]").nth(1).click()
    focused = session.page.evaluate("document.activeElement.dataset.start")
    assert int(focused) <= citation.start
    # Not described after a transplant: the sentence is no longer highlighted.
    session.page.select_option("[data-field=transplant_status]", "received")
    assert (
        session.page.locator("[data-option=aml-oral-azacitidine]").get_attribute("data-status")
        == "does_not_apply"
    )
    assert _mark_covering(session, citation.start, citation.end) is None


def test_practice_mode_scores_a_known_set_of_answers(session: Session) -> None:
    situation = explain(
        {"disease": "AML", "cytogenetic_risk": "intermediate", "transplant_status": "ineligible"}
    )
    session.open(fragment(situation))
    page = session.page
    page.check("#practice-toggle")
    assert not page.locator("[data-option] .badge").first.is_visible()
    assert page.locator("#documents mark").count() == 0
    options = situation.options
    wrong_answer = {"applies": "does_not_apply", "does_not_apply": "applies"}
    for number, option in enumerate(options):
        # Right for every option but the last.
        status = option.status.value
        answer = status if number < len(options) - 1 else wrong_answer.get(status, "applies")
        card = page.locator(f"[data-option={option.id}]")
        reveal = card.locator("button[data-reveal]")
        assert reveal.is_disabled()
        card.locator(f"input[value={answer}]").check()
        reveal.click()
        assert card.locator(".badge").is_visible()
    total = len(options)
    assert page.locator("#score").inner_text() == f"Score: {total - 1} of {total}"
    assert page.locator(".verdict.wrong").count() == 1
    # Everything revealed: highlights and notes are back.
    assert page.locator("#documents mark").count() > 0
    # A new random situation keeps the score and is one the library agrees with.
    page.click("#random-situation")
    shown = page.evaluate(_READ_NOW)
    facts = dict(part.split("=") for part in session.fragment().split("&"))
    profile: dict[str, Any] = {
        name: {"true": True, "false": False}.get(value, value) for name, value in facts.items()
    }
    assert shown == _expected(explain(profile))
    assert page.locator("#score").inner_text() == f"Score: {total - 1} of {total}"
    page.uncheck("#practice-toggle")


def test_every_control_has_an_accessible_name(session: Session) -> None:
    session.open("disease=ALL")
    page = session.page
    page.check("#practice-toggle")
    client = page.context.new_cdp_session(page)
    tree = client.send("Accessibility.getFullAXTree")
    interactive = {"combobox", "button", "checkbox", "radio", "link", "textbox", "listbox"}
    controls = [
        node
        for node in tree["nodes"]
        if not node.get("ignored") and node.get("role", {}).get("value") in interactive
    ]
    assert len(controls) > 20
    unnamed = [node for node in controls if not node.get("name", {}).get("value", "").strip()]
    assert unnamed == []
    # Keyboard: Tab reaches the first control and shows where the focus is.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.uncheck("#practice-toggle")


# Every visible run of text against the first opaque background behind it (WCAG 2.1 AA: 4.5:1,
# or 3:1 for large text: 24 px, or 18.66 px bold).
LOW_CONTRAST = """
() => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (node) => {
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) { return colour; }
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const node of document.querySelectorAll("body *")) {
    const hasText = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!hasText || !node.getClientRects().length) { continue; }
    const style = getComputedStyle(node);
    if (style.visibility === "hidden") { continue; }
    const [l1, l2] = [luminance(rgb(style.color)), luminance(background(node))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(`${node.tagName}.${node.className}: ${ratio.toFixed(2)} "${node.textContent.trim().slice(0, 40)}"`);
    }
  }
  return failures;
}
"""


def test_text_contrast_meets_wcag_aa(session: Session) -> None:
    session.open("disease=AML&cytogenetic_risk=intermediate&flt3_mutation=maybe")
    assert session.page.locator("#notice").is_visible()
    assert session.page.evaluate(LOW_CONTRAST) == []
    session.page.check("#practice-toggle")
    session.page.locator("[data-predict]").first.check()
    assert session.page.evaluate(LOW_CONTRAST) == []
    session.page.uncheck("#practice-toggle")


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_overflows_sideways(
    session: Session, width: int, rulebase: Rulebase, tmp_path: Path
) -> None:
    session.open("disease=AML&cytogenetic_risk=intermediate", width=width)
    assert session.page.evaluate("document.documentElement.scrollWidth") <= width
    walkthrough = render_walkthrough_html(
        build_walkthrough(find_case("aml-intermediate-no-transplant"), rulebase)
    )
    page_file = tmp_path / "walkthrough.html"
    page_file.write_text(walkthrough, encoding="utf-8")
    session.page.goto(page_file.as_uri())
    assert session.page.evaluate("document.documentElement.scrollWidth") <= width


def test_no_network_request_and_no_console_error(session: Session) -> None:
    # Last in the module: it sums up what every test above did in the one session.
    assert any(url.startswith("file:") for url in session.requests), "the route saw nothing"
    assert session.blocked == []
    assert session.errors == []
