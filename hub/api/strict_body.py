"""Request bodies decoded strictly, before Litestar converts them (issue 19).

Litestar converts a body into the handler's ``data`` struct leniently (``"amount": "100"`` and
``1e3`` become integers) and a body nested thousands of levels deep raised a RecursionError
(500). This hook decodes the raw body into the declared type with ``strict=True`` first: any
body that is not JSON (bad syntax, invalid UTF-8, nesting too deep) is a 400 ``invalid_json``,
any value of the wrong type or an integer beyond 64 bits a 422 ``validation_error``; either
changes nothing. Bodies that pass are then handled exactly as before.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request

from hub.domain.errors import BadRequest, ValidationFailed

INT64 = 2**63
_AT = re.compile(r" - at `\$\.?([^`]*)`")
_LONG_NUMBER = re.compile(rb"\d{19}")  # an integer outside 64 bits has 19 digits or more


def _declared_type(request: Request[Any, Any, Any]) -> Any:
    handler = request.route_handler
    field = handler.parsed_fn_signature.parameters.get("data")
    return None if field is None else field.annotation


def _too_big(value: Any) -> str | None:
    """The path of an integer in ``value`` that does not fit 64 bits (walked without recursion)."""
    stack: list[tuple[str, Any]] = [("", msgspec.to_builtins(value))]
    while stack:
        path, item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and not -INT64 <= item < INT64:
            return path or "$"
        if isinstance(item, dict):
            stack.extend((f"{path}.{k}".lstrip("."), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(item))
    return None


def _must_be_json(body: bytes) -> None:
    try:
        msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError, ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not valid JSON", code="invalid_json") from None


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook: refuse a body that is not exactly the declared type."""
    declared = _declared_type(request)
    if declared is None:
        return
    body = await request.body()
    if not body.strip():
        return  # an absent optional body: Litestar decides
    try:
        value = msgspec.json.decode(body, type=declared, strict=True)
    except msgspec.ValidationError as exc:
        _must_be_json(body)  # a wrong type found early says nothing of the rest: is it JSON at all?
        text = str(exc)
        match = _AT.search(text)
        field = match.group(1) if match and match.group(1) else None
        detail = _AT.sub("", text)
        raise ValidationFailed(f"{field}: {detail}" if field else detail, field=field) from None
    except (msgspec.DecodeError, RecursionError, ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not valid JSON", code="invalid_json") from None
    if _LONG_NUMBER.search(body) is None:
        return  # no integer in it can be too big (the common case: the walk below is not needed)
    try:
        too_big = _too_big(value)
    except RecursionError:
        raise BadRequest("the request body is nested too deeply", code="invalid_json") from None
    if too_big is not None:
        raise ValidationFailed(f"{too_big}: the integer does not fit 64 bits", field=too_big)
