"""The HTTP service behind `pathway serve`: a CDS Hooks 2.0 `patient-view` service that reads FHIR
R4 records, and a JSON API beside it. It sits above the library (reasoning, rendering, interop) and
below the CLI; nothing in the library imports it."""
