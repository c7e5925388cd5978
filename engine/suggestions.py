"""The one home of "did you mean": which known name is closest to a misspelt one, and how the
suggestion is phrased. Errors store the suggestion as an attribute (`PathwayError.suggestion`);
this module only finds and phrases it, so every site uses the same cut-off and wording."""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.6
"""difflib's similarity ratio below which nothing is suggested (its own default)."""


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The known choice closest to `name`: one it starts (a prefix such as `flt3` for
    `flt3_mutation` is as telling as a close spelling), else the most similar, else None."""
    known = list(choices)
    prefixed = [choice for choice in known if name and choice.startswith(name.lower())]
    if prefixed:
        return prefixed[0]
    import difflib  # only when a suggestion is wanted: not at every command's start-up

    matches = difflib.get_close_matches(name, known, n=1, cutoff=CUTOFF)
    return matches[0] if matches else None


def did_you_mean(suggestion: str, *, sentence_start: bool = False) -> str:
    """The one phrasing: `did you mean 'x'?` (capitalised when it starts a sentence)."""
    phrase = f"did you mean '{suggestion}'?"
    return phrase[0].upper() + phrase[1:] if sentence_start else phrase
