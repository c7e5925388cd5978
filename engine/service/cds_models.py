"""CDS Hooks 2.0 messages as Pydantic models: the discovery answer, the hook request, and the cards
this service answers with. Requests allow extra members (the specification lets clients add
`extension`s); answers are exact."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Request(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class ServiceDescription(_Answer):
    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str]
    usageRequirements: str | None = None


class DiscoveryResponse(_Answer):
    services: tuple[ServiceDescription, ...]


class FhirAuthorization(_Request):
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None


class PatientViewContext(_Request):
    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None


class HookRequest(_Request):
    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1)
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: PatientViewContext
    prefetch: dict[str, dict[str, Any] | None] | None = None


class CardSource(_Answer):
    label: str
    url: str


class CardLink(_Answer):
    label: str
    url: str
    type: Literal["absolute"]


class CardExtension(_Answer):
    """What a receiving system can act on without parsing the card's text."""

    disease: str = Field(description="The profile's disease, as in the profile schema.")
    option: str = Field(description="The public option id, e.g. aml-sorafenib.")
    status: Literal["applies", "needs_information"]
    needs: tuple[str, ...] = Field(description="Profile fields whose value would decide it.")
    source: str = Field(description="Id of the source document.")
    source_sha256: str = Field(description="SHA-256 of the stored text of the source page.")
    rulebase_version: str
    rulebase_sha256: str


class Card(_Answer):
    uuid: str
    summary: str = Field(max_length=139)
    detail: str
    indicator: Literal["info"]
    source: CardSource
    links: tuple[CardLink, ...]
    extension: CardExtension


class CardsResponse(_Answer):
    cards: tuple[Card, ...]


class FeedbackItem(_Request):
    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: str = Field(min_length=1)


class FeedbackRequest(_Request):
    feedback: tuple[FeedbackItem, ...] = Field(min_length=1)


class FeedbackAnswer(_Answer):
    received: int = Field(description="Feedback items in this request.")
    total: int = Field(description="Feedback items this server process has received.")
