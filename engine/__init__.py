"""Patient-pathway explainer: which leukemia maintenance options two Canadian Cancer Society pages
describe for a profile, with the quoted sentences. It explains documents; it never recommends."""

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
