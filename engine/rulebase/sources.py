"""The stored source documents: verbatim text plus metadata that is itself checked against it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from engine.errors import CitationError, ErrorKind, RulebaseError
from engine.inputs.rule_files import read_yaml_model
from engine.inputs.sandbox import MAX_SOURCE_TEXT_BYTES, inside, read_regular_file
from engine.preview import preview
from engine.rulebase.searchable_text import SearchableText
from engine.suggestions import closest as closest_name
from schemas.citation import Citation
from schemas.rule import QuoteRef, Revision, SourceMeta

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
    revisions: tuple[Revision, ...] = ()

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
            kind=ErrorKind.MISMATCHED_ID,
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
            kind=ErrorKind.UNREADABLE_FILE,
            path=text_path,
        ) from None
    sha256 = hashlib.sha256(raw).hexdigest()
    if meta.sha256 is not None and meta.sha256 != sha256:
        raise RulebaseError(
            f"the stored text {meta.text_file} has SHA-256 {sha256}, not the {meta.sha256} "
            "recorded in its metadata",
            "The text was changed by hand. Restore it; to take a new revision of the page, review "
            f"it with `pathway sources diff {meta.id} FILE`, then store it with "
            f"`pathway sources update {meta.id} FILE`.",
            path=meta_path,
            field="sha256",
            kind=ErrorKind.TEXT_CHANGED,
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
        revisions=meta.revisions,
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
                    kind=ErrorKind.DRIFTED_METADATA,
                )
    return document


def resolve_quote(
    ref: QuoteRef,
    sources: Mapping[str, SourceDocument],
    *,
    path: Path,
    rule_id: str,
) -> Citation:
    """Locate a quote in its document. It must occur exactly once; only whitespace may differ."""
    document = sources.get(ref.document) if ref.document is not None else None
    if document is None:
        raise RulebaseError(
            f"citation names unknown document '{ref.document}'",
            f"Known documents: {', '.join(sorted(sources))}.",
            kind=ErrorKind.UNKNOWN_DOCUMENT,
            path=path,
            suggestion=closest_name(ref.document or "", sources),
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
            " ".join(
                part
                for part in (
                    None
                    if closest
                    else "Copy the sentence from the stored text; only whitespace may differ.",
                    _revision_hint(document),
                )
                if part
            )
            or None,
            suggestion=closest,
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


def _revision_hint(document: SourceDocument) -> str:
    """For a quote that broke because its page was revised: where to see the whole revision."""
    if not document.revisions:
        return ""
    previous = document.revisions[-1]
    return (
        f"The text of {document.id} was revised on {previous.replaced} (previously SHA-256 "
        f"{previous.sha256[:12]}…): `pathway sources diff {document.id} FILE` lists every "
        "citation a revision changes, with the closest new passage."
    )
