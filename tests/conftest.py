"""Shared fixtures (the bundled rulebase, a writable copy of the rules directory to break), and the
collector of rule-test case files: each case of tests/cases/*.yaml is one test item, and a failing
case is reported as `file / case name / what differed` (after OpenFisca's YAML test runner)."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Rulebase, load_rulebase
from engine.reasoning.explainer import default_rulebase
from engine.rulebase.loader import default_rules_dir
from tests.rule_cases import LoadedCase, load_case_file, run_case

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def rulebase() -> Rulebase:
    """The project's own rules, loaded once per test session."""
    return load_rulebase()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of `rules/`, for tests that edit or break it."""
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


@pytest.fixture
def edit_file() -> Callable[[Path, str, str], None]:
    """Replace one exact, unique snippet in a file (the test fails if it is not there once)."""

    def edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"snippet occurs {text.count(old)} times in {path}: {old!r}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def record_text_hash(text_path: Path) -> None:
    """Record a deliberately edited source text's new SHA-256 in its metadata, as a maintainer
    storing a revision would, so that a test reaches the checks behind the hash check."""
    meta_path = text_path.with_suffix(".yaml")
    digest = hashlib.sha256(text_path.read_bytes()).hexdigest()
    meta = meta_path.read_text(encoding="utf-8")
    updated, count = re.subn(r"(?m)^sha256: [0-9a-f]{64}$", f"sha256: {digest}", meta)
    assert count == 1, f"{meta_path} records no sha256"
    meta_path.write_text(updated, encoding="utf-8")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect `cases/*.yaml` (tests/cases/ here) as rule-test case files."""
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases":
        file: pytest.Collector = RuleCaseFile.from_parent(parent, path=file_path)
        return file
    return None


class CaseFailed(Exception):
    """A case that is invalid, or whose expectations `explain` does not meet."""


class RuleCaseFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        loaded = load_case_file(self.path, default_rulebase())
        seen: set[str] = set()
        items: list[pytest.Item] = []
        for case in loaded:
            if case.name in seen:
                case = LoadedCase(
                    case.file, case.name, case.raw, None, "a second case of this name"
                )
            seen.add(case.name)
            items.append(RuleCaseItem.from_parent(self, name=case.name, loaded=case))
        return items


class RuleCaseItem(pytest.Item):
    def __init__(self, *, loaded: LoadedCase, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.loaded = loaded

    def runtest(self) -> None:
        if self.loaded.case is None:
            raise CaseFailed(f"invalid case: {self.loaded.problem}")
        found = run_case(self.loaded.case, default_rulebase())
        if found:
            raise CaseFailed("; ".join(found))

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: object = None,
    ) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return f"{self.loaded.file} / {self.loaded.name} / {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"


# The product's own behaviour, which can differ between Python versions (the durable-rules C
# extension, pydantic, datetime): CI also runs these, as `pytest -m "core and not slow"`, on every
# other supported interpreter it finds. A new test module that belongs here adds its name; browser
# and HTTP tests, and the soak and fuzz loops of test_reliability, stay out (they run once, on the
# main interpreter, within `make test`), so that CI stays short.
CORE_MODULES = frozenset(
    {
        "test_agreement",
        "test_batch",
        "test_cache",
        "test_case_library",
        "test_cases",
        "test_citations",
        "test_cli",
        "test_coverage",
        "test_decision_table",
        "test_durable_adapter",
        "test_evaluation",
        "test_errors",
        "test_explain",
        "test_explorer",
        "test_fhir_mapping",
        "test_loader",
        "test_modal",
        "test_new_disease",
        "test_packaging",
        "test_profile_json_schema",
        "test_profile_schema",
        "test_render",
        "test_revisions",
        "test_rule_teeth",
        "test_safe_yaml",
        "test_sources",
        "test_statements",
        "test_verification",
        "test_walkthrough",
        "test_walkthrough_html",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in CORE_MODULES:
            item.add_marker(pytest.mark.core)
