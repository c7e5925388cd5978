"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from engine.profile_space import field_domains


def facts(disease: str) -> st.SearchStrategy[dict[str, Any]]:
    """Field → known value or None (unknown), for every field of the disease's profile."""
    return st.fixed_dictionaries(
        {name: st.sampled_from((*domain, None)) for name, domain in field_domains(disease).items()}
    )


def profile_mappings(disease: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid profile mappings, as a caller would write them: some fields left out (unknown by
    default), unknowns spelled `unknown`/null, choices in any case and with accepted aliases."""
    diseases = [disease] if disease else ["AML", "ALL"]
    return st.sampled_from(diseases).flatmap(_profile_mapping)


_SPELLINGS = {
    "favourable": ["favourable", "Favourable", "favorable", "FAVORABLE"],
    "unfavourable": ["unfavourable", "unfavorable", "adverse", "Adverse"],
    "mature_b_cell": ["mature_b_cell", "burkitt", "Burkitt", "mature-b-cell"],
    "t_cell": ["t_cell", "T-cell", "t cell"],
    "b_cell": ["b_cell", "B-cell"],
    "not_effective": ["not_effective", "not-effective", "Not Effective"],
}


def _spelled(value: Any) -> st.SearchStrategy[Any]:
    if value is None:
        return st.sampled_from([None, "unknown", "Unknown"])
    if isinstance(value, str):
        return st.sampled_from(_SPELLINGS.get(value, [value, value.upper()]))
    return st.just(value)


def _profile_mapping(disease: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = {}
    for name, domain in field_domains(disease).items():
        fields[name] = st.sampled_from((*domain, None)).flatmap(_spelled)
    return st.fixed_dictionaries(
        {"disease": st.sampled_from([disease, disease.lower()])}, optional=fields
    )
