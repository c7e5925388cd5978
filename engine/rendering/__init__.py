"""Layer 5, rendering: an explanation as text, Markdown or JSON for people and programs."""
