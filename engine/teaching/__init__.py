"""Layer 5, teaching: bundled cases and narrated walkthroughs in text, Markdown and HTML."""
