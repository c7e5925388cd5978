"""The stored source documents: verbatim text plus metadata that is itself checked against it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from engine.errors import CitationError, RulebaseError
from engine.inputs.rule_files import read_yaml_model
from engine.inputs.sandbox import MAX_SOURCE_TEXT_BYTES, inside, read_regular_file
from engine.preview import preview
from engine.rulebase.searchable_text import SearchableText
from schemas.citation import Citation
from schemas.rule import QuoteRef, SourceMeta

# Quotes are sentences, often longer than other echoed values; a longer one is cut.
QUOTE_PREVIEW = 400


@dataclass(frozen=True)
class SourceDocument:
    id: str
    title: str
    publisher: str
    copyright: str
    reviewers: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    sha256: str
    path: Path
    url: str | None = None
    retrieved: date | None = None

    @cached_property
    def searchable(self) -> SearchableText:
        return SearchableText(self.text)


def load_source(sources_dir: Path, document_id: str) -> SourceDocument:
    """Read `<id>.yaml` and its text file; every metadata string must be verbatim in the text."""
    meta_path = inside(sources_dir, f"{document_id}.yaml", named_in=sources_dir, field="sources")
    meta = read_yaml_model(meta_path, SourceMeta)
    if meta.id != document_id:
        raise RulebaseError(
            f"metadata id '{meta.id}' does not match the file name",
            f"Rename the file or set id: {document_id}.",
            path=meta_path,
            field="id",
        )
    text_path = inside(sources_dir, meta.text_file, named_in=meta_path, field="text_file")
    raw = read_regular_file(text_path, MAX_SOURCE_TEXT_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RulebaseError(
            f"cannot read the source text: {error}",
            "Store the document as UTF-8 text beside its metadata.",
            path=text_path,
        ) from None
    sha256 = hashlib.sha256(raw).hexdigest()
    if meta.sha256 is not None and meta.sha256 != sha256:
        raise RulebaseError(
            f"the stored text {meta.text_file} has SHA-256 {sha256}, not the {meta.sha256} "
            "recorded in its metadata",
            "The text was changed by hand. Restore it, or record a new revision and review what "
            "it changes before updating the metadata.",
            path=meta_path,
            field="sha256",
            kind="text-changed",
        )
    document = SourceDocument(
        id=meta.id,
        title=meta.title,
        publisher=meta.publisher,
        copyright=meta.copyright,
        reviewers=meta.reviewers,
        references=meta.references,
        text=text,
        sha256=sha256,
        path=text_path,
        url=meta.url,
        retrieved=meta.retrieved,
    )
    for field in ("title", "publisher", "copyright", "reviewers", "references"):
        value = getattr(meta, field)
        for item in value if isinstance(value, tuple) else (value,):
            if not document.searchable.find_all(item):
                raise RulebaseError(
                    f"metadata value is not in the text: {preview(item, QUOTE_PREVIEW)}",
                    "Metadata must quote the stored document verbatim.",
                    path=meta_path,
                    field=field,
                    kind="drifted-metadata",
                )
    return document


def resolve_quote(
    ref: QuoteRef,
    sources: dict[str, SourceDocument],
    *,
    path: Path,
    rule_id: str,
) -> Citation:
    """Locate a quote in its document. It must occur exactly once; only whitespace may differ."""
    document = sources.get(ref.document)
    if document is None:
        raise RulebaseError(
            f"citation names unknown document '{ref.document}'",
            f"Known documents: {', '.join(sorted(sources))}.",
            path=path,
            rule_id=rule_id,
            field="citations.document",
        )
    spans = document.searchable.find_all(ref.quote)
    if len(spans) == 1:
        start, end = spans[0]
        return Citation(document=document.id, quote=ref.quote, start=start, end=end)
    if not spans:
        closest = document.searchable.closest_passage(ref.quote)
        raise CitationError(
            f"quote is not verbatim in {document.id}: {preview(ref.quote, QUOTE_PREVIEW)}",
            f"Did you mean: {preview(closest, QUOTE_PREVIEW)}?"
            if closest
            else "Copy the sentence from the stored text; only whitespace may differ.",
            document=document.id,
            quote=ref.quote,
            path=path,
            rule_id=rule_id,
            field="citations.quote",
        )
    raise CitationError(
        f"quote occurs {len(spans)} times in {document.id}: {preview(ref.quote, QUOTE_PREVIEW)}",
        "Quote a longer passage so that it points to one place.",
        document=document.id,
        quote=ref.quote,
        path=path,
        rule_id=rule_id,
        field="citations.quote",
    )
