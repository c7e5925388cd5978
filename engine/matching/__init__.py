"""Layer 2, matching: compiling condition trees to durable-rules JSON, and the adapter that is the
only module importing `durable`. Knows nothing of options, citations or explanations."""
