"""Layer 1, the domain: the profile space (fields, domains, completions), rule conditions as trees,
and the labels people read. Depends only on `schemas/`."""
