"""One error hierarchy. Each error carries its data as attributes; its message says what happened
and where on the first line, and how to fix it on the second."""

from __future__ import annotations

from pathlib import Path


class PathwayError(Exception):
    """Base of every error this project raises on purpose."""

    def __init__(self, what: str, fix: str | None = None) -> None:
        self.what = what
        self.fix = fix
        super().__init__(what if fix is None else f"{what}\n{fix}")


class RulebaseError(PathwayError):
    """A rules directory that cannot be loaded: the file, rule and field say where, and `kind`
    says which check refused it (e.g. `unknown-field`, `duplicate-id`, `drifted-citation`)."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        path: Path | str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
        kind: str = "invalid-rulebase",
    ) -> None:
        self.kind = kind
        self.path = None if path is None else str(path)
        self.rule_id = rule_id
        self.field = field
        where = [part for part in (self.path, rule_id and f"rule {rule_id}", field) if part]
        prefix = f"{': '.join(where)}: " if where else ""
        super().__init__(prefix + what, fix)


class CitationError(RulebaseError):
    """A quote that is not verbatim (or not unique) in its document."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        document: str,
        quote: str,
        path: Path | str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.document = document
        self.quote = quote
        super().__init__(
            what, fix, path=path, rule_id=rule_id, field=field, kind="drifted-citation"
        )


class InputError(PathwayError):
    """A profile input that cannot be read: the file (or `<stdin>`) and field say where."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        *,
        path: str,
        field: str | None = None,
        kind: str = "invalid-input",
    ) -> None:
        self.path = path
        self.field = field
        self.kind = kind
        super().__init__(f"{path}: {what}", fix)


class EngineError(PathwayError):
    """durable-rules failed or behaved unexpectedly; the rulebase cannot be trusted for this call."""
