"""The service's one error type and the JSON body every 4xx answer carries. An `ApiError` is raised
anywhere below a route and turned into `{"error": ..., "fields": [...]}` by the app, so no bad input
reaches the client as a 500 or a traceback."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ApiError(Exception):
    """A request the service refuses: the HTTP status, what is wrong, and the fields to blame."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: tuple[str, ...] = (),
        *,
        kind: str = "bad-request",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.fields = fields
        self.kind = kind
        self.headers = headers or {}
        super().__init__(message)


class ErrorBody(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    error: str = Field(description="What is wrong, and where.")
    kind: str = Field(description="A stable kebab-case name of the problem, for programs.")
    fields: tuple[str, ...] = Field(
        default=(), description="The request fields to blame, as dotted paths."
    )
