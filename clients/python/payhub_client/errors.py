"""problem+json answers as typed exceptions: catch by kind, branch on ``code``."""

from __future__ import annotations

from typing import Any


class PayhubError(Exception):
    """An error answer from payhub (RFC 9457 problem+json)."""

    def __init__(self, status: int, code: str, detail: str, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.problem = problem
        self.field: str | None = problem.get("field")


class InvalidRequest(PayhubError):
    """400 or 422: the request is malformed or not acceptable; fix it, do not retry it."""


class AuthenticationError(PayhubError):
    """401: no API key, or not a valid one."""


class PermissionDenied(PayhubError):
    """403: the API key's role may not do this."""


class NotFound(PayhubError):
    """404."""


class Conflict(PayhubError):
    """409: the resource's state forbids it (``invalid_state``) or the same key still runs."""


class InvalidState(Conflict):
    """409 ``invalid_state``: e.g. capturing a voided payment."""


class IdempotencyKeyInUse(Conflict):
    """409 ``idempotency_key_in_use``: the first request with this key is still running."""


class IdempotencyKeyReused(InvalidRequest):
    """422 ``idempotency_key_reused``: the key was used for a different request."""


class ServerError(PayhubError):
    """5xx: retried with the same Idempotency-Key before it reaches you."""


_BY_CODE: dict[str, type[PayhubError]] = {
    "invalid_state": InvalidState,
    "idempotency_key_in_use": IdempotencyKeyInUse,
    "idempotency_key_reused": IdempotencyKeyReused,
}
_BY_STATUS: dict[int, type[PayhubError]] = {
    400: InvalidRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: InvalidRequest,
    422: InvalidRequest,
}


def error_from(status: int, body: Any) -> PayhubError:
    problem = body if isinstance(body, dict) else {}
    code = str(problem.get("code") or "error")
    detail = str(problem.get("detail") or "")
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status) or (ServerError if status >= 500 else PayhubError)
    return cls(status, code, detail, problem)
