"""application/problem+json (RFC 9457) for every error, with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy import exc as sa_exc

from hub.domain.errors import ProblemError

log = logging.getLogger("payhub.api")
PROBLEM = "application/problem+json"

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[bytes]:
    body: dict[str, Any] = {
        "type": f"https://payhub.dev/problems/{code}",
        "title": title or code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        content=msgspec.json.encode(body), status_code=status, media_type=PROBLEM, headers=headers
    )


def on_problem(request: Request[Any, Any, Any], exc: ProblemError) -> Response[bytes]:
    return problem(
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        instance=request.url.path,
        headers=exc.headers or None,
        field=exc.field,
        **exc.extra,
    )


def _validation_detail(exc: ValidationException) -> tuple[str, str, str | None]:
    """(code, detail, field) from Litestar's msgspec-based validation error."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    messages = []
    field = None
    for item in extra:
        if isinstance(item, dict):
            msg = str(item.get("message", ""))
            key = item.get("key")
            messages.append(msg)
            field = field or (str(key) if key else None)
    text = "; ".join(m for m in messages if m) or str(exc.detail)
    if "JSON is malformed" in text or ("malformed" in text.lower() and "json" in text.lower()):
        return "invalid_json", "the request body is not valid JSON", None
    import re

    m = re.search(r"at `\$\.?([^`]*)`", text)
    if m and m.group(1):
        field = m.group(1)
    text = re.sub(r" - at `\$[^`]*`", "", text)
    if field:
        text = f"{field}: {text}"
    return "validation_error", text, field


def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    if isinstance(exc, ValidationException):
        code, detail, field = _validation_detail(exc)
        status = 400 if code == "invalid_json" else 422
        return problem(status, code, detail, instance=request.url.path, field=field)
    status = exc.status_code
    code = _HTTP_CODES.get(status, "error")
    detail_text = str(exc.detail).lower()
    if status == 400 and ("json" in detail_text or "malformed" in detail_text or "decode" in detail_text):
        return problem(400, "invalid_json", "the request body is not valid JSON", instance=request.url.path)
    return problem(status, code, str(exc.detail), instance=request.url.path, headers=exc.headers)


# the database refused a connection or the pool had none left: retry with the same Idempotency-Key
# (a step not written yet is not done; an operation already written ahead is resolved as usual)
_NO_CONNECTION = ("TooManyConnectionsError", "CannotConnectNowError", "ConnectionRefusedError")


def database_unavailable(exc: BaseException) -> bool:
    """The pool timed out or PostgreSQL refused the connection (``max_connections`` reached,
    starting up, down): a 503 the client retries, not a 500."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    seen: BaseException | None = exc
    for _ in range(5):  # the driver's error, wrapped by SQLAlchemy
        if seen is None:
            return False
        if type(seen).__name__ in _NO_CONNECTION:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if database_unavailable(exc):
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return problem(
            503, "unavailable", "the database has no connection free; retry shortly with the same "
            "Idempotency-Key", instance=request.url.path, headers={"Retry-After": "1"},
        )  # fmt: skip
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500, "internal_error", "an unexpected error occurred; it has been logged", instance=request.url.path
    )
