"""The one Jinja2 environment of the HTML pages: templates are files of this package, and every
value is escaped unless a template is told otherwise (autoescape on for every template)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment() -> Environment:
    """Built on first use (no work at import time) and then shared; Jinja2 environments are
    safe to share between threads once configured."""
    return Environment(
        loader=PackageLoader("engine.teaching", "templates"),
        # Every template, whatever its suffix, escapes what it prints.
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def asset(name: str) -> str:
    """A CSS or JavaScript file of the templates folder, as text to inline in a page."""
    loader = environment().loader
    assert loader is not None
    source, _, _ = loader.get_source(environment(), name)
    return source
