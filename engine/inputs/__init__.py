"""Layer 1, inputs: the strict YAML reader and the readers of profile, case and rule files, with
the messages that name the file and the field. Depends on `domain` and `schemas/`."""
