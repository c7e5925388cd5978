"""The `pathway` command line: one module per command, `app` builds the parser from them."""

from engine.cli.app import main

__all__ = ["main"]
