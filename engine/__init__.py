"""Patient-pathway explainer: which leukemia maintenance options two Canadian Cancer Society pages
describe for a profile, with the quoted sentences. It explains documents; it never recommends.

The names below are imported on first use, so that `import engine` (and the `pathway` command's
start-up) does not load durable-rules' C extension before it is needed: when that extension is
broken, the EngineError saying how to fix it is then raised where callers can catch it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from engine.errors import CitationError, EngineError, InputError, PathwayError, RulebaseError

if TYPE_CHECKING:
    from engine.reasoning.batch import BatchResult, explain_many
    from engine.reasoning.explainer import explain
    from engine.rulebase.loader import load_rulebase
    from engine.rulebase.model import Rulebase
    from schemas.explanation import Explanation, Status

__all__ = [
    "BatchResult",
    "CitationError",
    "EngineError",
    "Explanation",
    "InputError",
    "PathwayError",
    "Rulebase",
    "RulebaseError",
    "Status",
    "explain",
    "explain_many",
    "load_rulebase",
]

_HOMES = {
    "BatchResult": "engine.reasoning.batch",
    "Explanation": "schemas.explanation",
    "Rulebase": "engine.rulebase.model",
    "Status": "schemas.explanation",
    "explain": "engine.reasoning.explainer",
    "explain_many": "engine.reasoning.batch",
    "load_rulebase": "engine.rulebase.loader",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
