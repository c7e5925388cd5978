"""Loading a rules directory: read, verify against the profile schema and the source texts, compile.

Every failure is a RulebaseError naming the file, the rule id and the field.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from engine.domain.conditions import Node, leaves, normalise
from engine.domain.profile_space import UNKNOWN, field_domains
from engine.errors import RulebaseError
from engine.inputs.rule_files import read_yaml_model
from engine.rulebase.model import Firing, LoadedNote, LoadedRule, Rulebase
from engine.rulebase.searchable_text import normalise_whitespace
from engine.rulebase.sources import SourceDocument, load_source, resolve_quote
from schemas.citation import Citation
from schemas.rule import Manifest, NoteSpec, OptionSpec, QuoteRef, RuleFile, RuleSpec

MANIFEST = "rulebase.yaml"
# YAML files in the rules directory that are data for other commands, not rule files.
OTHER_DATA_FILES = frozenset({MANIFEST, "coverage-waivers.yaml"})


def default_rules_dir() -> Path:
    """`rules/` beside the `engine` package (the project is installed in editable mode)."""
    return Path(__file__).resolve().parents[2] / "rules"


def load_rulebase(path: str | Path | None = None) -> Rulebase:
    """Load and verify a rules directory (default: the project's `rules/`)."""
    root = Path(path) if path is not None else default_rules_dir()
    if not root.is_dir():
        raise RulebaseError(
            "rules directory not found", "Pass a directory holding rulebase.yaml.", path=root
        )
    manifest_path = root / MANIFEST
    manifest = read_yaml_model(manifest_path, Manifest)
    _refuse_unlisted_files(root, manifest)
    sources = {doc_id: load_source(root / "sources", doc_id) for doc_id in manifest.sources}

    rules: list[LoadedRule] = []
    notes: list[LoadedNote] = []
    options: dict[str, tuple[OptionSpec, ...]] = {}
    seen_ids: dict[str, Path] = {}
    digest = hashlib.sha256(manifest_path.read_bytes())
    for file_name in manifest.rule_files:
        path = root / file_name
        rule_file = read_yaml_model(path, RuleFile)
        digest.update(path.read_bytes())
        if rule_file.disease in options:
            raise RulebaseError(
                f"a second rule file for {rule_file.disease}",
                "Keep one rule file per disease.",
                path=path,
                field="disease",
            )
        identified: tuple[OptionSpec | RuleSpec | NoteSpec, ...] = (
            *rule_file.options,
            *rule_file.rules,
            *rule_file.notes,
        )
        for item in identified:
            if item.id in seen_ids:
                raise RulebaseError(
                    f"id is used twice (first in {seen_ids[item.id].name})",
                    "Give every option, rule and note its own id.",
                    path=path,
                    rule_id=item.id,
                    field="id",
                    kind="duplicate-id",
                )
            seen_ids[item.id] = path
        options[rule_file.disease] = rule_file.options
        option_ids = [option.id for option in rule_file.options]
        for spec in rule_file.rules:
            if spec.concludes not in option_ids:
                raise RulebaseError(
                    f"concludes unknown option '{spec.concludes}'",
                    _did_you_mean(spec.concludes, option_ids, "options of this file"),
                    path=path,
                    rule_id=spec.id,
                    field="concludes",
                )
            rules.append(
                LoadedRule(
                    spec=spec,
                    disease=rule_file.disease,
                    path=path,
                    when=_checked(normalise(spec.when), rule_file.disease, path, spec.id, "when"),
                    unless=None
                    if spec.unless is None
                    else _checked(
                        normalise(spec.unless), rule_file.disease, path, spec.id, "unless"
                    ),
                    citations=_resolved(spec.citations, sources, path, spec.id),
                )
            )
        for note in rule_file.notes:
            notes.append(
                LoadedNote(
                    spec=note,
                    disease=rule_file.disease,
                    path=path,
                    when=_checked(normalise(note.when), rule_file.disease, path, note.id, "when"),
                    citations=_resolved(note.citations, sources, path, note.id),
                )
            )
        _check_treatments_are_quoted(rule_file, rules, path)

    for meta_file in sorted((root / "sources").glob("*.yaml")):
        digest.update(meta_file.read_bytes())
    disclaimer_citation = resolve_quote(
        manifest.disclaimer.citation, sources, path=manifest_path, rule_id="disclaimer"
    )
    return Rulebase(
        root=root,
        version=manifest.version,
        sha256=digest.hexdigest(),
        sources=sources,
        options=options,
        rules=tuple(rules),
        notes=tuple(notes),
        disclaimer=f"{normalise_whitespace(manifest.disclaimer.text)} "
        f"In the pages' own words: \u201c{disclaimer_citation.quote}\u201d",
        disclaimer_citation=disclaimer_citation,
        firing=Firing(tuple(rules), tuple(notes)),
    )


def _refuse_unlisted_files(root: Path, manifest: Manifest) -> None:
    listed = set(manifest.rule_files) | OTHER_DATA_FILES
    for candidate in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
        if candidate.name not in listed:
            raise RulebaseError(
                "YAML file is not listed in rulebase.yaml, so it would be ignored",
                "Add it to rule_files in rulebase.yaml, or move it out of the rules directory.",
                path=candidate,
            )
    for name in manifest.rule_files:
        if not (root / name).is_file():
            raise RulebaseError(
                f"rule file '{name}' is listed but missing",
                "Create it or remove it from rule_files.",
                path=root / MANIFEST,
                field="rule_files",
            )


def _checked(node: Node, disease: str, path: Path, rule_id: str, part: str) -> Node:
    """Every field and value of a condition must exist in the disease's profile schema."""
    domains = field_domains(disease)
    for leaf in leaves(node):
        if leaf.field not in domains:
            other = "ALL" if disease == "AML" else "AML"
            fix = (
                f"'{leaf.field}' is a field of {other} profiles, not {disease}."
                if leaf.field in field_domains(other)
                else _did_you_mean(leaf.field, list(domains), f"{disease} profile fields")
            )
            raise RulebaseError(
                f"condition uses unknown field '{leaf.field}'",
                fix,
                path=path,
                rule_id=rule_id,
                field=f"{part}.field",
                kind="unknown-field",
            )
        for value in leaf.values:
            if value == UNKNOWN:
                raise RulebaseError(
                    f"condition compares '{leaf.field}' with 'unknown'",
                    "Rules state facts; unknown values are handled by the engine, not by rules.",
                    path=path,
                    rule_id=rule_id,
                    field=f"{part}.{leaf.field}",
                    kind="unknown-value",
                )
            # bool is a subclass of int, not str: compare types exactly so `true` != "true".
            if not any(
                type(value) is type(known) and value == known for known in domains[leaf.field]
            ):
                allowed = ", ".join(str(v).lower() for v in domains[leaf.field])
                raise RulebaseError(
                    f"'{leaf.field}' has no value {value!r}",
                    f"Allowed values: {allowed}.",
                    path=path,
                    rule_id=rule_id,
                    field=f"{part}.{leaf.field}",
                    kind="unknown-value",
                )
    return node


def _resolved(
    refs: tuple[QuoteRef, ...], sources: dict[str, SourceDocument], path: Path, rule_id: str
) -> tuple[Citation, ...]:
    return tuple(resolve_quote(ref, sources, path=path, rule_id=rule_id) for ref in refs)


def _check_treatments_are_quoted(rule_file: RuleFile, rules: list[LoadedRule], path: Path) -> None:
    """A treatment may only name what a cited sentence of its option's rules says."""
    for option in rule_file.options:
        quotes = [
            normalise_whitespace(citation.quote)
            for rule in rules
            if rule.spec.concludes == option.id
            for citation in rule.citations
        ]
        for treatment in option.treatments:
            if not any(normalise_whitespace(treatment) in quote for quote in quotes):
                raise RulebaseError(
                    f"treatment {treatment!r} is not in any quote of the rules concluding it",
                    "Name treatments exactly as a cited sentence does, or cite that sentence.",
                    path=path,
                    rule_id=option.id,
                    field="treatments",
                    kind="unquoted-treatment",
                )


def _did_you_mean(name: str, choices: list[str], what: str) -> str:
    import difflib  # only when suggesting a fix: not at start-up

    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"Did you mean '{close[0]}'?"
    return f"Known {what}: {', '.join(choices)}."
