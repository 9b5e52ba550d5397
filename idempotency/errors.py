"""Idempotency errors; each carries the HTTP status and the stable problem code."""

from __future__ import annotations


class IdempotencyError(Exception):
    status = 400
    code = "idempotency_error"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class InvalidKey(IdempotencyError):
    status = 400
    code = "invalid_idempotency_key"


class KeyRequired(IdempotencyError):
    status = 400
    code = "idempotency_key_required"


class KeyReused(IdempotencyError):
    """Same key, different request."""

    status = 422
    code = "idempotency_key_reused"


class KeyInUse(IdempotencyError):
    """Same key while the first request is still running."""

    status = 409
    code = "idempotency_key_in_use"


class KeyTaken(KeyInUse):
    """The key's row already exists (found when claiming it): answered as :class:`KeyInUse`
    unless the caller looks the key up and answers from it (``run_idempotent(look_first=False)``)."""
