"""The problem+json answers an operation can give: which statuses, with which stable codes."""

from __future__ import annotations

from typing import Any, NamedTuple

PROBLEM_MEDIA = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class Shape(NamedTuple):
    """What the document knows of one operation, to decide its error answers."""

    method: str
    secured: bool
    has_body: bool
    has_path_params: bool
    has_query: bool
    idempotent: bool
    inbound_webhook: bool


_DESCRIPTIONS = {
    "400": "Bad request: the body is not JSON, the Idempotency-Key is malformed, or the request "
    "is malformed at the HTTP level (e.g. its Host header)",
    "401": "No API key, or not a valid one",
    "403": "The API key's role may not do this",
    "404": "Not found",
    "409": "Conflict with the resource's state or with a request still running",
    "413": "The body is too large",
    "422": "The request is well-formed but not acceptable",
    "500": "An unexpected error (it has been logged); nothing is reported as failed that may have happened",
    "502": "The provider could not be reached; retry with the same Idempotency-Key",
    "503": "Not ready",
}


def codes_for(shape: Shape) -> dict[str, list[str]]:
    """status -> the stable ``code`` values that status carries for this operation."""
    # any request can be malformed at the HTTP level (e.g. a Host header that is not a host)
    out: dict[str, list[str]] = {"400": ["bad_request"]}
    if shape.has_body or shape.idempotent or shape.inbound_webhook:
        out["400"] = ["invalid_json", "bad_request"]
        if shape.idempotent:
            out["400"] += ["invalid_idempotency_key", "idempotency_key_required"]
    if shape.secured:
        out["401"] = ["unauthorized"]
        out["403"] = ["forbidden"]
    if shape.inbound_webhook:
        out["400"].append("invalid_payload")
        out["401"] = ["invalid_signature"]
        out["404"] = ["account_not_found", "not_found"]
    if shape.has_path_params:
        out.setdefault("404", ["not_found"])
    if shape.method in ("POST", "DELETE") and not shape.inbound_webhook:
        out["409"] = ["invalid_state", "conflict", "operation_in_progress", "operation_unresolved"]
        if shape.idempotent:
            out["409"].append("idempotency_key_in_use")
    if shape.has_body or shape.inbound_webhook:
        out["413"] = ["payload_too_large"]
    if shape.has_body or shape.has_query or shape.idempotent or shape.inbound_webhook:
        out["422"] = ["validation_error", "unprocessable"]
        if shape.idempotent:
            out["422"].append("idempotency_key_reused")
        if shape.method == "POST" and not shape.inbound_webhook:
            out["422"] += [
                "invalid_amount",
                "amount_exceeds_capturable",
                "amount_exceeds_refundable",
                "not_supported",
            ]
    if shape.idempotent:
        out["502"] = ["provider_unavailable"]
    out["500"] = ["internal_error"]
    return out


def responses_for(shape: Shape, particular: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    by_status = codes_for(shape)
    for status, code in particular:
        by_status.setdefault(status, []).append(code)
    responses: dict[str, Any] = {}
    for status, codes in sorted(by_status.items()):
        responses |= problem_answer(status, codes)
    return responses


def problem_answer(status: str, codes: list[str]) -> dict[str, Any]:
    """One documented problem+json answer: its codes in the description and one example each."""
    codes = list(dict.fromkeys(codes))
    examples = {
        code: {
            "value": {
                "type": f"https://payhub.dev/problems/{code}",
                "title": code.replace("_", " ").capitalize(),
                "status": int(status),
                "code": code,
                "detail": "what went wrong, for a human",
            }
        }
        for code in codes
    }
    # OpenAPI 3.1 (JSON Schema 2020-12) applies keywords beside a $ref: the answer is a Problem
    # whose `code` is one of this operation's codes for this status (validators check it;
    # generated clients keep the one Problem model, so a new code is still parsed)
    schema = {**PROBLEM_REF, "properties": {"code": {"enum": codes}}}
    return {
        status: {
            "description": f"{_DESCRIPTIONS[status]}. Codes: {', '.join(f'`{c}`' for c in codes)}.",
            "content": {PROBLEM_MEDIA: {"schema": schema, "examples": examples}},
        }
    }
