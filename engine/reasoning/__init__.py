"""Layer 4, reasoning: three-valued evaluation over unknown facts, building explanations, the
explanation memo and batch runs. This is where `explain` lives."""
