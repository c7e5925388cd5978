"""Verification of a rulebase beyond loading: what `pathway check` reports, each finding with the
rule id and the file.

Loading already refuses, as a RulebaseError, a condition on a field or value the profile schema
does not have, a quote that is not verbatim (a drifted citation), unknown keys and duplicate ids;
`finding_of_load_error` turns that error into a finding. On a loaded rulebase, the semantic checks
enumerate every complete profile of each disease (every field known: a few dozen each) and ask the
rulebase's durable-rules firing which conditions hold in each:

- unsatisfiable: a rule's or note's `when` holds for no profile;
- unless-never-holds: a rule's `unless` holds for no profile in which its `when` holds, so the
  exception can never block anything;
- dead-rule: a rule's `unless` holds for every profile in which its `when` holds, so the rule
  never concludes its option;
- contradiction: two rules of the same option disagree on some profile: rule A concludes the
  option (its `when` holds, its `unless` does not) while rule B's `when` holds and B's `unless`
  also holds, i.e. B's known exception says the option is not for that profile. The engine would
  silently pick "applies"; the text's intent must be settled in the rules instead;
- option-never-concluded: a catalogue option that no rule concludes, or that its rules conclude
  for no profile.

Checking complete profiles suffices: every partial profile's status is computed from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.domain.profile_space import Value, completions
from engine.domain.vocabulary import field_label, value_label
from engine.errors import RulebaseError
from engine.rulebase.model import LoadedRule, Rulebase, unless_name, when_name
from engine.suggestions import did_you_mean


@dataclass(frozen=True)
class Finding:
    """One problem of a rulebase, located by file and rule (or note, or option) id."""

    kind: str
    message: str
    path: str | None
    rule_id: str | None
    field: str | None = None

    def __str__(self) -> str:
        where = [part for part in (self.path, self.rule_id and f"rule {self.rule_id}") if part]
        field = f"{self.field}: " if self.field else ""
        return f"{': '.join(where)}: {self.kind}: {field}{self.message}"


def finding_of_load_error(error: RulebaseError) -> Finding:
    """A load failure as a finding, built from the error's attributes: its kind says which
    check refused the rulebase."""
    advice = " ".join(
        part
        for part in (
            error.suggestion and did_you_mean(error.suggestion, sentence_start=True),
            error.fix,
        )
        if part
    )
    message = f"{error.what} ({advice})" if advice else error.what
    return Finding(error.kind.value, message, error.path, error.rule_id, error.field)


def verify(rulebase: Rulebase) -> tuple[Finding, ...]:
    """Every semantic finding of a loaded rulebase, in rule-file order."""
    findings: list[Finding] = []
    worlds = _complete_profiles(rulebase)
    for rule in rulebase.rules:
        findings.extend(_rule_findings(rule, worlds[rule.disease], rulebase))
    for note in rulebase.notes:
        fired = worlds[note.disease]
        if not any(when_name(note.id) in names for _, names in fired):
            findings.append(
                Finding(
                    "unsatisfiable",
                    f"note's `when` holds for no {note.disease} profile, so it is never shown",
                    rulebase.display_path(note.path),
                    note.id,
                )
            )
    findings.extend(_contradictions(rulebase, worlds))
    findings.extend(_unconcluded_options(rulebase, worlds))
    return tuple(findings)


World = tuple[Mapping[str, Value], frozenset[str]]


def _complete_profiles(rulebase: Rulebase) -> dict[str, list[World]]:
    diseases = {item.disease for item in rulebase.items}
    return {
        disease: [
            (facts, rulebase.firing.fired(disease, facts)) for facts in completions(disease, {})
        ]
        for disease in sorted(diseases | set(rulebase.options))
    }


def _rule_findings(rule: LoadedRule, worlds: list[World], rulebase: Rulebase) -> list[Finding]:
    path = rulebase.display_path(rule.path)
    holding = [(facts, names) for facts, names in worlds if when_name(rule.id) in names]
    if not holding:
        return [
            Finding(
                "unsatisfiable",
                f"`when` holds for no {rule.disease} profile, so the rule never concludes "
                f"'{rule.concludes}'",
                path,
                rule.id,
            )
        ]
    if rule.unless is None:
        return []
    blocked = [facts for facts, names in holding if unless_name(rule.id) in names]
    if not blocked:
        return [
            Finding(
                "unless-never-holds",
                "`unless` holds for no profile in which `when` holds, so the exception never "
                "blocks; remove it or fix its condition",
                path,
                rule.id,
            )
        ]
    if len(blocked) == len(holding):
        return [
            Finding(
                "dead-rule",
                "`unless` holds for every profile in which `when` holds, so the rule never "
                f"concludes '{rule.concludes}'",
                path,
                rule.id,
            )
        ]
    return []


def _concludes(rule: LoadedRule, names: frozenset[str]) -> bool:
    return when_name(rule.id) in names and unless_name(rule.id) not in names


def _contradictions(rulebase: Rulebase, worlds: dict[str, list[World]]) -> list[Finding]:
    findings = []
    for options in rulebase.options.values():
        for option in options:
            rules = rulebase.rules_concluding(option.id)
            for excepted in (rule for rule in rules if rule.unless is not None):
                for concluding in (rule for rule in rules if rule is not excepted):
                    example = next(
                        (
                            facts
                            for facts, names in worlds[excepted.disease]
                            if _concludes(concluding, names)
                            and when_name(excepted.id) in names
                            and unless_name(excepted.id) in names
                        ),
                        None,
                    )
                    if example is not None:
                        findings.append(
                            Finding(
                                "contradiction",
                                f"its exception excludes '{option.id}' for a profile that rule "
                                f"'{concluding.id}' concludes it for ({_profile_text(example)}); "
                                "make the rules agree, e.g. give both the same `unless`",
                                rulebase.display_path(excepted.path),
                                excepted.id,
                            )
                        )
    return findings


def _unconcluded_options(rulebase: Rulebase, worlds: dict[str, list[World]]) -> list[Finding]:
    findings = []
    files = {rule.disease: rule.path for rule in rulebase.rules}
    for disease, options in rulebase.options.items():
        for option in options:
            rules = rulebase.rules_concluding(option.id)
            if not rules:
                problem = "no rule concludes this catalogue option"
            elif not any(_concludes(rule, names) for rule in rules for _, names in worlds[disease]):
                problem = "its rules conclude this catalogue option for no profile"
            else:
                continue
            path = files.get(disease)
            findings.append(
                Finding(
                    "option-never-concluded",
                    f"{problem}; add a rule citing the sentence that describes it, or remove it",
                    None if path is None else rulebase.display_path(path),
                    option.id,
                )
            )
    return findings


def _profile_text(facts: Mapping[str, Value]) -> str:
    return ", ".join(f"{field_label(name)}: {value_label(value)}" for name, value in facts.items())
