"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from engine.domain.profile_space import field_domains


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


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Any JSON value: null, booleans, numbers (finite), strings, and arrays/objects of them."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def profile_like_mappings() -> st.SearchStrategy[dict[str, Any]]:
    """Mappings that look like profiles but may be wrong anywhere: real and unknown field names
    (both diseases), real values in odd spellings, and arbitrary JSON values."""
    names = ["disease", "id"] + [name for d in ("AML", "ALL") for name in field_domains(d)]
    values = st.sampled_from(
        [
            "AML",
            "ALL",
            "aml",
            " all ",
            "CML",
            "unknown",
            "Unknown",
            "intermediate",
            "favorable",
            "burkitt",
            "received",
            "positive",
            "not-effective",
            "true",
            "yes",
        ]
    ) | json_values(max_leaves=4)
    return st.dictionaries(st.sampled_from(names) | st.text(max_size=12), values, max_size=7)


def yaml_like_text() -> st.SearchStrategy[str]:
    """Text assembled from YAML fragments (keys, values, flow and block syntax, anchors, aliases,
    tags, comments, document markers) so that the parser sees near-misses, not only noise."""
    fragments = st.sampled_from(
        [
            "disease",
            "cytogenetic_risk",
            "flt3_mutation",
            "subtype",
            "AML",
            "ALL",
            "null",
            "~",
            "true",
            "no",
            "intermediate",
            ": ",
            ":",
            "- ",
            "\n",
            "  ",
            "{",
            "}",
            "[",
            "]",
            ", ",
            "&a ",
            "*a",
            "!!python/object:os.system ",
            "!!str ",
            "!!binary ",
            "!!set ",
            "? ",
            "# note",
            "---\n",
            "...\n",
            '"',
            "'",
            "|\n",
            ">-\n",
            "\t",
            "%YAML 1.1\n",
            "1e400",
        ]
    )
    return st.lists(fragments | st.text(max_size=3), max_size=30).map("".join)
