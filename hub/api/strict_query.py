"""Query parameters read as documented (issue 19; found by tests/api/test_schemathesis.py).

Litestar converts query values leniently: ``?status=null`` became "no filter" (the string
``null`` read as an absent optional parameter) and a scalar parameter given twice
(``?status=captured&status=failed``) silently kept one of them. Both answered 200 with data
the caller did not ask for. This check, run before the handler, answers them 422
``validation_error`` with ``field``, and changes nothing. So is a date-time that is not RFC 3339
(``?created[lt]=0.5`` was read as Unix seconds). A parameter whose type accepts a
string (``reference``, ``cursor``, ...) takes ``null`` as the string it is.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import types
import typing
from typing import Any

import msgspec
from litestar import Request

from hub.api.strict_body import strict_body
from hub.domain.errors import ValidationFailed

#: handler parameters Litestar fills from the connection, not from the query string
_RESERVED = {"request", "data", "scope", "state", "headers", "cookies", "socket", "body", "query"}
_TIMES = (dt.datetime, dt.date)
_SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Set)


def _flat(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _flat(arg)]
    if origin is typing.Annotated:
        return _flat(typing.get_args(annotation)[0])
    return [annotation]


def _declared_query(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """query key -> the annotation of the handler parameter it fills."""
    out: dict[str, Any] = {}
    path_params = set(request.path_params)
    for name, field in request.route_handler.parsed_fn_signature.parameters.items():
        if name in _RESERVED or name in path_params:
            continue
        kwarg = field.kwarg_definition
        if getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None):
            continue
        out[getattr(kwarg, "query", None) or name] = field.annotation
    return out


def strict_query(request: Request[Any, Any, Any]) -> None:
    """Refuse ``null`` for a parameter that cannot be a string, and a scalar given twice."""
    if not request.scope.get("query_string"):
        return
    declared = _declared_query(request)
    for key, values in request.query_params.dict().items():
        annotation = declared.get(key)
        if annotation is None:
            continue
        kinds = _flat(annotation)
        if len(values) > 1 and not any(typing.get_origin(k) in _SEQUENCES or k in _SEQUENCES for k in kinds):
            raise ValidationFailed(f"{key}: given {len(values)} times, expected once", field=key)
        if "null" in values and str not in kinds:
            raise ValidationFailed(f"{key}: `null` is not a value; leave the parameter out", field=key)
        for kind in (k for k in kinds if k in _TIMES):
            for value in values:
                try:
                    msgspec.convert(value, kind, strict=True)
                except msgspec.ValidationError:
                    raise ValidationFailed(
                        f"{key}: expected an RFC 3339 date-time (2026-01-31T00:00:00Z)", field=key
                    ) from None


async def strict_input(request: Request[Any, Any, Any]) -> None:
    """Run by the app's ``before_request`` hook after the permission check: the query, then the body
    (``strict_body``)."""
    strict_query(request)
    await strict_body(request)
