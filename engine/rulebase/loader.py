"""Loading a rules directory: read, verify against the profile schema and the source texts, compile.

`load_rulebase` is a short pipeline; each step below is one check or one transformation, and every
failure is a RulebaseError naming the file, the rule id, the field and its `ErrorKind`.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.bundled import bundled_dir
from engine.domain.conditions import Node, leaves, normalise
from engine.domain.profile_space import UNKNOWN, field_domains
from engine.domain.profiles import diseases, register_profile_model
from engine.domain.sentences import IN_THE_PAGES_OWN_WORDS
from engine.domain.text import normalise_whitespace
from engine.errors import ErrorKind, RulebaseError
from engine.inputs.rule_files import read_yaml_model
from engine.inputs.sandbox import MAX_RULE_FILE_BYTES, inside, read_regular_file
from engine.preview import preview
from engine.rulebase.model import Firing, LoadedNote, LoadedRule, Rulebase
from engine.rulebase.sources import SourceDocument, load_source, resolve_quote
from engine.suggestions import closest
from schemas.citation import Citation
from schemas.profile import DiseaseProfile
from schemas.rule import (
    AllOf,
    AnyOf,
    Condition,
    Manifest,
    NoteSpec,
    NotOf,
    OptionSpec,
    QuoteRef,
    RuleFile,
    RuleSpec,
    Shared,
    When,
)

MANIFEST = "rulebase.yaml"
# YAML files in the rules directory that are data for other commands, not rule files.
OTHER_DATA_FILES = frozenset({MANIFEST, "coverage-waivers.yaml", "terminology.yaml"})


def default_rules_dir() -> Path:
    """The bundled rulebase: the checkout's `rules/`, or the copy an installed wheel carries."""
    return bundled_dir("rules")


def load_rulebase(path: str | Path | None = None) -> Rulebase:
    """Load and verify a rules directory (default: the project's `rules/`)."""
    root = _rules_dir(path)
    manifest_path = inside(root, MANIFEST, named_in=root, field=MANIFEST)
    manifest = _read_manifest(root, manifest_path)
    diseases = _register_profile_models(manifest, manifest_path)
    sources_dir = inside(root, "sources", named_in=manifest_path, field="sources")
    sources = {doc_id: load_source(sources_dir, doc_id) for doc_id in manifest.sources}
    files = [
        _read_rule_file(inside(root, name, named_in=manifest_path, field="rule_files"), diseases)
        for name in manifest.rule_files
    ]
    _refuse_repeated_diseases_and_ids(files)
    rules = tuple(rule for file in files for rule in _loaded_rules(file, sources))
    notes = tuple(note for file in files for note in _loaded_notes(file, sources))
    for file in files:
        _check_treatments_are_quoted(file, rules)
    disclaimer, disclaimer_citation = _disclaimer(manifest, sources, manifest_path)
    return Rulebase(
        root=root,
        version=manifest.version,
        sha256=_digest(manifest_path, files, sources_dir),
        sources=sources,
        options={file.model.disease: file.model.options for file in files},
        rules=rules,
        notes=notes,
        disclaimer=disclaimer,
        disclaimer_citation=disclaimer_citation,
        firing=Firing(rules, notes),
    )


@dataclass(frozen=True)
class _File:
    """One rule file being loaded: where it is and what it says."""

    path: Path
    model: RuleFile


def _rules_dir(path: str | Path | None) -> Path:
    root = Path(path) if path is not None else default_rules_dir()
    if not root.is_dir():
        raise RulebaseError(
            "rules directory not found",
            "Pass a directory holding rulebase.yaml.",
            kind=ErrorKind.RULES_DIR_NOT_FOUND,
            path=root,
        )
    return root


def _read_manifest(root: Path, manifest_path: Path) -> Manifest:
    """The manifest, after checking that it lists every YAML file of the directory."""
    manifest = read_yaml_model(manifest_path, Manifest)
    listed = set(manifest.rule_files) | OTHER_DATA_FILES
    for candidate in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
        if candidate.name not in listed:
            raise RulebaseError(
                "YAML file is not listed in rulebase.yaml, so it would be ignored",
                "Add it to rule_files in rulebase.yaml, or move it out of the rules directory.",
                kind=ErrorKind.UNLISTED_FILE,
                path=candidate,
            )
    for name in manifest.rule_files:
        if not inside(root, name, named_in=manifest_path, field="rule_files").is_file():
            raise RulebaseError(
                f"rule file '{name}' is listed but missing",
                "Create it or remove it from rule_files.",
                kind=ErrorKind.MISSING_FILE,
                path=manifest_path,
                field="rule_files",
            )
    return manifest


def _register_profile_models(manifest: Manifest, path: Path) -> tuple[str, ...]:
    """Import the profile models the manifest names and make their diseases known; returns
    them, the only diseases this rulebase's files may be about."""
    diseases: list[str] = []
    for reference in manifest.profiles:
        module_name, _, class_name = reference.partition(":")
        try:
            model = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as error:
            raise RulebaseError(
                f"profile model '{reference}' cannot be imported: {error}",
                "Name a `module:Class` that Python can import (the module on sys.path).",
                kind=ErrorKind.UNKNOWN_PROFILE_MODEL,
                path=path,
                field="profiles",
            ) from None
        try:
            if not (isinstance(model, type) and issubclass(model, DiseaseProfile)):
                raise TypeError(f"{reference} is not a schemas.profile.DiseaseProfile")
            diseases.append(register_profile_model(model))
        except (TypeError, ValueError) as error:
            raise RulebaseError(
                f"profile model '{reference}' cannot be used: {error}",
                'Derive it from DiseaseProfile with `disease: Literal["<NAME>"]`.',
                kind=ErrorKind.UNKNOWN_PROFILE_MODEL,
                path=path,
                field="profiles",
            ) from None
    return tuple(diseases)


def _read_rule_file(path: Path, diseases: tuple[str, ...]) -> _File:
    model = read_yaml_model(path, RuleFile)
    if model.disease not in diseases:
        raise RulebaseError(
            f"no profile model for disease '{model.disease}'",
            f"The rulebase's diseases: {', '.join(diseases)}; a new one needs its profile "
            "model in `profiles` of rulebase.yaml.",
            kind=ErrorKind.UNKNOWN_NAME,
            path=path,
            field="disease",
            suggestion=closest(model.disease, diseases),
        )
    return _File(path, model)


def _refuse_repeated_diseases_and_ids(files: list[_File]) -> None:
    seen_diseases: set[str] = set()
    seen_ids: dict[str, Path] = {}
    for file in files:
        if file.model.disease in seen_diseases:
            raise RulebaseError(
                f"a second rule file for {file.model.disease}",
                "Keep one rule file per disease.",
                kind=ErrorKind.DUPLICATE_DISEASE,
                path=file.path,
                field="disease",
            )
        seen_diseases.add(file.model.disease)
        items: tuple[OptionSpec | RuleSpec | NoteSpec, ...] = (
            *file.model.options,
            *file.model.rules,
            *file.model.notes,
        )
        for item in items:
            if item.id in seen_ids:
                raise RulebaseError(
                    f"id is used twice (first in {seen_ids[item.id].name})",
                    "Give every option, rule and note its own id.",
                    kind=ErrorKind.DUPLICATE_ID,
                    path=file.path,
                    rule_id=item.id,
                    field="id",
                )
            seen_ids[item.id] = file.path


def _loaded_rules(file: _File, sources: Mapping[str, SourceDocument]) -> Iterator[LoadedRule]:
    option_ids = [option.id for option in file.model.options]
    for spec in file.model.rules:
        if spec.concludes not in option_ids:
            raise RulebaseError(
                f"concludes unknown option '{spec.concludes}'",
                f"Known options of this file: {', '.join(option_ids)}.",
                kind=ErrorKind.UNKNOWN_OPTION,
                path=file.path,
                rule_id=spec.id,
                field="concludes",
                suggestion=closest(spec.concludes, option_ids),
            )
        yield LoadedRule(
            id=spec.id,
            disease=file.model.disease,
            path=file.path,
            when=_condition(spec.when, file, spec.id, "when"),
            unless=None
            if spec.unless is None
            else _condition(spec.unless, file, spec.id, "unless"),
            citations=_citations(spec.citations, file, sources, spec.id),
            reading=_reading(spec.reading, file, spec.id),
            spec=spec,
            concludes=spec.concludes,
        )


def _loaded_notes(file: _File, sources: Mapping[str, SourceDocument]) -> Iterator[LoadedNote]:
    for spec in file.model.notes:
        yield LoadedNote(
            id=spec.id,
            disease=file.model.disease,
            path=file.path,
            when=_condition(spec.when, file, spec.id, "when"),
            unless=None,
            citations=_citations(spec.citations, file, sources, spec.id),
            reading=spec.text,
            spec=spec,
        )


def _reading(reading: str | Shared, file: _File, rule_id: str) -> str:
    if isinstance(reading, str):
        return reading
    return file.model.readings[
        _shared(file.model.readings, reading.use, "readings", file, rule_id, "reading")
    ]


def _shared(
    named: Mapping[str, str] | Mapping[str, Condition],
    name: str,
    section: str,
    file: _File,
    rule_id: str,
    field: str,
) -> str:
    if name not in named:
        raise RulebaseError(
            f"`use: {name}` names nothing in `{section}` of this file",
            f"Known {section}: {', '.join(named) or 'none'}.",
            kind=ErrorKind.UNKNOWN_NAME,
            path=file.path,
            rule_id=rule_id,
            field=field,
            suggestion=closest(name, named),
        )
    return name


def _condition(condition: When, file: _File, rule_id: str, part: str) -> Node:
    """The condition with shared names resolved; every field and value must exist in the
    disease's profile model."""
    named = file.model.conditions

    def resolve(name: str) -> Condition:
        _refuse_circular(name, named, file, rule_id, part)
        return named[_shared(named, name, "conditions", file, rule_id, part)]

    node = normalise(condition, resolve=resolve)
    _check_fields_and_values(node, file, rule_id, part)
    return node


def _refuse_circular(
    name: str, named: Mapping[str, Condition], file: _File, rule_id: str, part: str
) -> None:
    def uses(condition: Condition) -> Iterator[str]:
        if isinstance(condition, Shared):
            yield condition.use
        elif isinstance(condition, NotOf):
            yield from uses(condition.not_)
        elif isinstance(condition, AllOf | AnyOf):
            for child in condition.all if isinstance(condition, AllOf) else condition.any:
                yield from uses(child)

    pending = [(name, [name])]
    while pending:
        current, path = pending.pop()
        for used in uses(named[current]) if current in named else ():
            if used in path:
                raise RulebaseError(
                    f"shared condition '{used}' uses itself ({' -> '.join([*path, used])})",
                    "A shared condition may use others, but not in a circle.",
                    kind=ErrorKind.CIRCULAR_NAME,
                    path=file.path,
                    rule_id=rule_id,
                    field=part,
                )
            pending.append((used, [*path, used]))


def _check_fields_and_values(node: Node, file: _File, rule_id: str, part: str) -> None:
    disease = file.model.disease
    domains = field_domains(disease)
    for leaf in leaves(node):
        if leaf.field not in domains:
            others = [d for d in diseases() if d != disease and leaf.field in field_domains(d)]
            raise RulebaseError(
                f"condition uses unknown field '{leaf.field}'",
                f"'{leaf.field}' is a field of {others[0]} profiles, not {disease}."
                if others
                else f"Known {disease} profile fields: {', '.join(domains)}.",
                kind=ErrorKind.UNKNOWN_FIELD,
                path=file.path,
                rule_id=rule_id,
                field=f"{part}.field",
                suggestion=None if others else closest(leaf.field, domains),
            )
        for value in leaf.values:
            if value == UNKNOWN:
                raise RulebaseError(
                    f"condition compares '{leaf.field}' with 'unknown'",
                    "Rules state facts; unknown values are handled by the engine, not by rules.",
                    kind=ErrorKind.UNKNOWN_VALUE,
                    path=file.path,
                    rule_id=rule_id,
                    field=f"{part}.{leaf.field}",
                )
            # bool is a subclass of int, not str: compare types exactly so `true` != "true".
            if not any(
                type(value) is type(known) and value == known for known in domains[leaf.field]
            ):
                allowed = ", ".join(str(v).lower() for v in domains[leaf.field])
                raise RulebaseError(
                    f"'{leaf.field}' has no value {preview(value)}",
                    f"Allowed values: {allowed}.",
                    kind=ErrorKind.UNKNOWN_VALUE,
                    path=file.path,
                    rule_id=rule_id,
                    field=f"{part}.{leaf.field}",
                )


def _citations(
    refs: tuple[QuoteRef, ...],
    file: _File,
    sources: Mapping[str, SourceDocument],
    rule_id: str,
) -> tuple[Citation, ...]:
    return tuple(
        resolve_quote(
            _with_document(ref, file.model.document, file.path, rule_id),
            sources,
            path=file.path,
            rule_id=rule_id,
        )
        for ref in refs
    )


def _with_document(ref: QuoteRef, default: str | None, path: Path, rule_id: str) -> QuoteRef:
    """The citation with its document: its own, or the file's default `document`."""
    if ref.document is not None:
        return ref
    if default is None:
        raise RulebaseError(
            "citation names no document and the file sets no default `document`",
            "Add `document: <id>` to the citation or at the top of the file.",
            kind=ErrorKind.MISSING_DOCUMENT,
            path=path,
            rule_id=rule_id,
            field="citations.document",
        )
    return ref.model_copy(update={"document": default})


def _check_treatments_are_quoted(file: _File, rules: tuple[LoadedRule, ...]) -> None:
    """A treatment may only name what a cited sentence of its option's rules says."""
    for option in file.model.options:
        quotes = [
            normalise_whitespace(citation.quote)
            for rule in rules
            if rule.concludes == option.id
            for citation in rule.citations
        ]
        for treatment in option.treatments:
            if not any(normalise_whitespace(treatment) in quote for quote in quotes):
                raise RulebaseError(
                    f"treatment {preview(treatment)} is not in any quote of the rules concluding it",
                    "Name treatments exactly as a cited sentence does, or cite that sentence.",
                    kind=ErrorKind.UNQUOTED_TREATMENT,
                    path=file.path,
                    rule_id=option.id,
                    field="treatments",
                )


def _disclaimer(
    manifest: Manifest, sources: Mapping[str, SourceDocument], path: Path
) -> tuple[str, Citation]:
    citation = resolve_quote(
        _with_document(manifest.disclaimer.citation, None, path, "disclaimer"),
        sources,
        path=path,
        rule_id="disclaimer",
    )
    text = normalise_whitespace(manifest.disclaimer.text)
    return f"{text} {IN_THE_PAGES_OWN_WORDS} \u201c{citation.quote}\u201d", citation


def _digest(manifest_path: Path, files: list[_File], sources_dir: Path) -> str:
    """SHA-256 over the manifest, the rule files in manifest order and the source metadata."""
    digest = hashlib.sha256(read_regular_file(manifest_path, MAX_RULE_FILE_BYTES))
    for file in files:
        digest.update(read_regular_file(file.path, MAX_RULE_FILE_BYTES))
    for meta_file in sorted(sources_dir.glob("*.yaml")):
        checked = inside(sources_dir, meta_file.name, named_in=sources_dir, field="sources")
        digest.update(read_regular_file(checked, MAX_RULE_FILE_BYTES))
    return digest.hexdigest()
