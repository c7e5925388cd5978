"""Patient-pathway explainer: which leukemia maintenance options two Canadian Cancer Society pages
describe for a profile, with the quoted sentences. It explains documents; it never recommends.

The public names are imported on first use (PEP 562), so that `import engine.cli` — which every
`pathway` command runs — does not pay for modules its command never touches."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.errors import CitationError, EngineError, InputError, PathwayError, RulebaseError
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
    "CitationError": "engine.errors",
    "EngineError": "engine.errors",
    "Explanation": "schemas.explanation",
    "InputError": "engine.errors",
    "PathwayError": "engine.errors",
    "Rulebase": "engine.rulebase.model",
    "RulebaseError": "engine.errors",
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
