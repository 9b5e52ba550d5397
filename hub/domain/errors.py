"""Errors the API turns into application/problem+json (RFC 9457) with a stable code."""

from __future__ import annotations

from typing import Any


class ProblemError(Exception):
    """An error with an HTTP status, a stable machine code and a human message."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        self.headers = headers or {}
        self.extra = extra or {}


class ValidationFailed(ProblemError):
    status = 422
    code = "validation_error"
    title = "Validation error"


class BadRequest(ProblemError):
    status = 400
    code = "bad_request"
    title = "Bad request"


class Unauthorized(ProblemError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(ProblemError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(ProblemError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(ProblemError):
    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidState(Conflict):
    code = "invalid_state"
    title = "Invalid state"


class Unprocessable(ProblemError):
    status = 422
    code = "unprocessable"
    title = "Unprocessable request"


class NotSupportedByAccount(Unprocessable):
    code = "not_supported"
    title = "Not supported by this account's adapter"


class ConfigError(Exception):
    """Invalid configuration; the message names the key at fault."""
