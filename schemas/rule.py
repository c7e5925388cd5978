"""The rule files' shape: option catalogue, rules, notes, conditions and cited quotes.

Validation here is structural only. Whether a field or value exists in the profile, and whether
a quote is verbatim in its document, is checked by the loader, which knows profile and sources.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
"""Lower-case words joined by hyphens, e.g. `aml-oral-azacitidine`."""

FieldValue = bool | str
"""A profile value a condition compares with: a choice (`intermediate`) or a yes/no fact."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldCondition(_Data):
    """One comparison of a profile field, e.g. `{field: ph_status, is: positive}`."""

    field: str
    is_: FieldValue | None = Field(default=None, alias="is")
    is_not: FieldValue | None = None
    in_: tuple[FieldValue, ...] | None = Field(default=None, alias="in", min_length=1)
    not_in: tuple[FieldValue, ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one_comparison(self) -> FieldCondition:
        given = [
            name for name in ("is_", "is_not", "in_", "not_in") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                f"condition on '{self.field}' needs exactly one of is, is_not, in, not_in "
                f"(found {len(given)})"
            )
        return self

    @property
    def operator(self) -> Literal["is", "is_not", "in", "not_in"]:
        if self.is_ is not None:
            return "is"
        if self.is_not is not None:
            return "is_not"
        return "in" if self.in_ is not None else "not_in"

    @property
    def values(self) -> tuple[FieldValue, ...]:
        """The value(s) compared with, whatever the operator."""
        for single in (self.is_, self.is_not):
            if single is not None:
                return (single,)
        return self.in_ if self.in_ is not None else self.not_in or ()

    @property
    def positive(self) -> bool:
        """True for `is`/`in`, False for `is_not`/`not_in`."""
        return self.operator in ("is", "in")


class Shared(_Data):
    """A reference to something the rule file names once: `{use: ph-positive}` for one of its
    `conditions`, or as a rule's `reading`, one of its `readings`."""

    use: Identifier


class AllOf(_Data):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Data):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotOf(_Data):
    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str | None:
    # Tags are bracketed so that error locations can drop them: "when.all.0.field", not
    # "when.all.all.0.field.field".
    if value == "always":
        return "[always]"
    if isinstance(value, BaseModel):
        kinds = {
            AllOf: "[all]",
            AnyOf: "[any]",
            NotOf: "[not]",
            FieldCondition: "[field]",
            Shared: "[use]",
        }
        return kinds.get(type(value))
    if isinstance(value, dict):
        for key in ("all", "any", "not", "field", "use"):
            if key in value:
                return f"[{key}]"
    return None


_CONDITION_MEMBERS = (
    Annotated[AllOf, Tag("[all]")]
    | Annotated[AnyOf, Tag("[any]")]
    | Annotated[NotOf, Tag("[not]")]
    | Annotated[FieldCondition, Tag("[field]")]
    | Annotated[Shared, Tag("[use]")]
)

Condition = Annotated[
    _CONDITION_MEMBERS,
    Discriminator(
        _condition_kind,
        custom_error_type="invalid_condition",
        custom_error_message="a condition is a mapping with one of: all, any, not, field, use",
    ),
]
"""A condition tree: `all`/`any` of conditions, `not` a condition, one field comparison, or
`use` of a condition the file names once."""

When = Annotated[
    Annotated[Literal["always"], Tag("[always]")] | _CONDITION_MEMBERS,
    Discriminator(
        _condition_kind,
        custom_error_type="invalid_condition",
        custom_error_message="`when` is `always` or a mapping with one of: all, any, not, field, use",
    ),
]
"""`always`, or a condition over the profile."""

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


class QuoteRef(_Data):
    """A verbatim quotation of a source document (whitespace may differ, wording may not).
    `document` may be left out when the rule file sets a default `document`."""

    document: Identifier | None = None
    quote: str = Field(min_length=8)


class OptionSpec(_Data):
    """A maintenance-treatment option the documents describe. Option ids are public API."""

    id: Identifier
    category: Literal[
        "chemotherapy", "targeted_therapy", "cns_prophylaxis", "supportive_care", "clinical_trials"
    ]
    title: str = Field(min_length=3)
    # Each treatment must occur verbatim in a quote of a rule that concludes this option.
    treatments: tuple[str, ...] = ()


class RuleSpec(_Data):
    """One sentence of a document, encoded: when it holds (and no known exception), the option
    it concludes is described for the patient."""

    id: Identifier
    concludes: Identifier
    title: str = Field(min_length=3)
    when: When
    unless: Condition | None = None
    citations: tuple[QuoteRef, ...] = Field(min_length=1)
    reading: Annotated[str, Field(min_length=3)] | Shared = Field(
        description="Plain-language reading of the cited sentences, or `{use: <name>}` of one of "
        "the file's `readings`."
    )


class NoteSpec(_Data):
    """A statement of a document that concludes no option: duration, scope or caveat."""

    id: Identifier
    text: str = Field(min_length=3)
    when: When
    citations: tuple[QuoteRef, ...] = Field(min_length=1)


class RuleFile(_Data):
    """One `rules/*.yaml` file: one disease, its catalogue, rules and notes, and what its rules
    share: the default `document` of citations, named `conditions` and named `readings`."""

    disease: str = Field(min_length=1, description="A disease of a profile model of the rulebase.")
    document: Identifier | None = Field(
        default=None, description="The document a citation quotes when it names none."
    )
    conditions: dict[Identifier, Condition] = Field(
        default_factory=dict, description="Conditions written once, used as `{use: <name>}`."
    )
    readings: dict[Identifier, Annotated[str, Field(min_length=3)]] = Field(
        default_factory=dict, description="Readings written once, used as `reading: {use: <name>}`."
    )
    options: tuple[OptionSpec, ...] = Field(min_length=1)
    rules: tuple[RuleSpec, ...] = Field(min_length=1)
    notes: tuple[NoteSpec, ...] = ()


class DisclaimerSpec(_Data):
    text: str = Field(min_length=10)
    citation: QuoteRef


class Manifest(_Data):
    """`rules/rulebase.yaml`: the rulebase version, its profile models, files and disclaimer."""

    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    profiles: tuple[Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")], ...] = Field(
        default=("schemas.profile:AmlProfile", "schemas.profile:AllProfile"),
        min_length=1,
        description="The profile models of the rulebase's diseases, as importable `module:Class`.",
    )
    rule_files: tuple[str, ...] = Field(min_length=1)
    sources: tuple[Identifier, ...] = Field(min_length=1)
    disclaimer: DisclaimerSpec


class Revision(_Data):
    """An earlier stored revision of a document's text, superseded by a later one."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    retrieved: date | None = None
    replaced: date = Field(description="The day a newer revision was stored in its place.")


class SourceMeta(_Data):
    """`rules/sources/<id>.yaml`: metadata of one stored document, every string verbatim in it."""

    id: Identifier
    text_file: str
    title: str
    publisher: str
    copyright: str
    reviewers: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    # Provenance. `url` is where the publisher serves the page; `retrieved` the date this copy was
    # taken; `sha256` the hash of the stored text file's bytes, checked at load time so that an
    # edited text cannot pass for the recorded one.
    url: str | None = Field(default=None, pattern=r"^https://\S+$")
    retrieved: date | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    # Earlier revisions, oldest first; `pathway sources update` appends to it.
    revisions: tuple[Revision, ...] = ()
