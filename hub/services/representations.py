"""How resources look in responses and events (DESIGN §3). One place, used by both."""

from __future__ import annotations

from typing import Any

from hub.store.repo import Row, iso


def payment(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "payment",
        "status": row["status"],
        "amount": row["amount"],
        "currency": row["currency"],
        "amount_captured": row["amount_captured"],
        "amount_refunded": row["amount_refunded"],
        "amount_disputed": row.get("amount_disputed") or 0,
        "disputes": list(row.get("disputes") or []),
        "capture": row["capture_mode"],
        "account": row["account_id"],
        "provider_reference": row["provider_reference"],
        "payment_method": row["payment_method"],
        "next_action": row["next_action"],
        "failure": row["failure"],
        "reference": row["reference"],
        "metadata": row["metadata"] or {},
        "requires_review": bool(row["requires_review"]),
        "attempts": attempts(row),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _current_attempt_outcome(row: Row) -> str:
    status = row["status"]
    if status in ("new", "processing"):
        return "processing"
    if status == "requires_action":
        return "requires_action"
    if status == "failed":
        failure = row["failure"] or {}
        return "not_processed" if failure.get("code") == "provider_unavailable" else "declined"
    return "succeeded"


def attempts(row: Row) -> list[dict[str, Any]]:
    """Every account the payment was tried on (DESIGN §15): the earlier attempts, each certainly
    not charged, then the payment's own account, whose outcome is the payment's."""
    earlier: list[dict[str, Any]] = list(row.get("attempts") or [])
    current = {
        "account": row["account_id"],
        "outcome": _current_attempt_outcome(row),
        "failure": row["failure"] if row["status"] == "failed" else None,
    }
    return [*earlier, current]


def refund(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "refund",
        "payment": row["payment_id"],
        "status": row["status"],
        "amount": row["amount"],
        "currency": row["currency"],
        "provider_reference": row["provider_reference"],
        "failure": row["failure"],
        "reference": row["reference"],
        "metadata": row["metadata"] or {},
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def payout(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "payout",
        "status": row["status"],
        "amount": row["amount"],
        "currency": row["currency"],
        "account": row["account_id"],
        "destination": row["destination"],
        "provider_reference": row["provider_reference"],
        "failure": row["failure"],
        "reference": row["reference"],
        "metadata": row["metadata"] or {},
        "requires_review": bool(row["requires_review"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def operation(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "operation",
        "kind": row["kind"],
        "origin": row.get("origin") or "hub",
        "status": row["status"],
        "resource_kind": row["resource_kind"],
        "resource_id": row["resource_id"],
        "refund_id": row["refund_id"],
        "account": row["account_id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "provider_reference": row["provider_reference"],
        "failure": row["failure"],
        "reason": row["reason"],
        "attempts": row["attempts"],
        "requires_review": bool(row["requires_review"]),
        "next_check_at": iso(row["next_check_at"]),
        "deadline_at": iso(row["deadline_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "resolved_at": iso(row["resolved_at"]),
    }


def event(row: Row) -> dict[str, Any]:
    """An event as ``/v1/events`` shows it (and as the Kafka relay publishes it)."""
    return {
        "id": row["id"],
        "object": "event",
        "type": row["type"],
        "created_at": iso(row["created_at"]),
        "data": row["data"],
    }
