"""Layer 5, review (for maintainers): statements of the texts, coverage of every statement,
semantic verification of the rulebase, and full decision tables."""
