"""Store a new revision of a source text: the text file, and in its metadata the new SHA-256 and
retrieval date, with the superseded revision appended to `revisions`. The rules are left as they
are: a quote the revision broke fails loading until a maintainer updates it. Nothing is rewritten
silently.

The metadata file is edited line by line, not re-dumped, so its comments survive; the result is
validated before it replaces the old file, and both files are replaced by rename."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import date
from pathlib import Path

import yaml

from engine.inputs.rule_files import read_yaml_model
from engine.rulebase.model import Rulebase
from schemas.rule import Revision, SourceMeta

_REVISIONS_HEADER = (
    "# Earlier revisions of the text, oldest first (`pathway sources update` appends here)."
)


def store_revision(
    rulebase: Rulebase, document_id: str, new_text: str, *, retrieved: date, today: date
) -> Revision | None:
    """Replace the stored text of `document_id`; returns the superseded revision, or None when
    the new text is the one already stored (nothing is written then)."""
    source = rulebase.sources[document_id]
    raw = new_text.encode("utf-8")
    new_sha256 = hashlib.sha256(raw).hexdigest()
    if new_sha256 == source.sha256:
        return None
    meta_path = source.path.parent / f"{document_id}.yaml"
    meta = read_yaml_model(meta_path, SourceMeta)
    superseded = Revision(sha256=source.sha256, retrieved=source.retrieved, replaced=today)
    updated = _edited_metadata(
        meta_path.read_text(encoding="utf-8"),
        sha256=new_sha256,
        retrieved=retrieved,
        revisions=(*meta.revisions, superseded),
    )
    meta_temp = _write_beside(meta_path, updated.encode("utf-8"))
    try:
        read_yaml_model(meta_temp, SourceMeta)  # refuses to store metadata that would not load
        text_temp = _write_beside(source.path, raw)
    except BaseException:
        meta_temp.unlink(missing_ok=True)
        raise
    os.replace(text_temp, source.path)
    os.replace(meta_temp, meta_path)
    return superseded


def _edited_metadata(
    text: str, *, sha256: str, retrieved: date, revisions: tuple[Revision, ...]
) -> str:
    text = _set_scalar(text, "sha256", sha256)
    text = _set_scalar(text, "retrieved", retrieved.isoformat())
    text = _without_revisions(text).rstrip("\n") + "\n"
    entries = [revision.model_dump(mode="json") for revision in revisions]
    block = yaml.safe_dump({"revisions": entries}, sort_keys=False, allow_unicode=True)
    return f"{text}{_REVISIONS_HEADER}\n{block}"


def _set_scalar(text: str, key: str, value: str) -> str:
    line = f"{key}: {value}"
    updated, count = re.subn(rf"(?m)^{key}:.*$", line, text, count=1)
    if count:
        return updated
    # Not recorded yet: add it after the text_file line, where the provenance lines belong.
    updated, count = re.subn(r"(?m)^(text_file:.*)$", rf"\1\n{line}", text, count=1)
    return updated if count else f"{text.rstrip()}\n{line}\n"


def _without_revisions(text: str) -> str:
    """The metadata without its `revisions` block (and the comment line this module writes)."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    inside = False
    for line in lines:
        if line.rstrip("\n") == _REVISIONS_HEADER:
            continue
        if line.startswith("revisions:"):
            inside = True
            continue
        if inside and (line.startswith((" ", "-", "\t")) or not line.strip()):
            continue
        inside = False
        kept.append(line)
    return "".join(kept)


def _write_beside(path: Path, data: bytes) -> Path:
    """`data` in a new file in `path`'s directory, flushed to disk, to be renamed over `path`."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
