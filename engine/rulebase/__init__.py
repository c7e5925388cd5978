"""Layer 3, the rulebase: source texts and verbatim quote resolution, the loader that checks rule
files against texts and schema, and the loaded, immutable `Rulebase`."""
