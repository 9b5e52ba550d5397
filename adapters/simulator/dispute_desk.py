"""The simulated PSP's dispute desk: disputes opened by test cards or an admin call, and their lifecycle.

How a dispute comes to exist:

* test cards — a charge made with one is disputed as soon as it is captured::

      4000000000002685  chargeback, product_not_received (funds withdrawn at once)
      4000000000001976  inquiry (retrieval request), fraudulent: no money withdrawn;
                        evidence or acceptance closes it

* ``POST /_sim/disputes`` (alias ``POST /simulator/disputes``) ``{"charge", "amount"?,
  "reason"?, "inquiry"?, "due_in_seconds"?}`` opens one on any captured charge (400 if
  nothing is captured); ``charge`` is the simulator's charge id (the hub payment's
  ``provider_reference``).

How it ends (mirrors Stripe's test mode):

* ``POST /v1/disputes/{id}/evidence`` ``{"text", "submit"}``: ``submit: false`` stages the
  text (still ``needs_response``); ``submit: true`` sends it (``under_review``). Submitted
  text containing ``winning_evidence`` wins at once (funds reinstated), ``losing_evidence``
  loses at once; any other text waits for ``POST /_sim/disputes/{id}/close`` (alias
  ``/simulator/disputes/{id}/close``) ``{"outcome": "won"|"lost"}``. Submitting an inquiry's evidence closes it ``won``.
* ``POST /v1/disputes/{id}/accept``: ``accepted`` (an inquiry becomes a chargeback first:
  the money is withdrawn).
* Answering a dispute that is no longer open: 409 ``dispute_not_open``; unknown id: 404.

Every change records an event (``dispute.created``, ``dispute.updated``, ``dispute.closed``)
with the dispute as ``data.object``, signed and delivered like every simulator event.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Protocol

import msgspec

from adapters.simulator.disputes import (
    DisputeClose,
    DisputeEventData,
    DisputeEventOut,
    DisputeEvidenceOut,
    DisputeOpen,
    DisputeOut,
    EvidenceCreate,
)

#: card number -> (reason, inquiry first)
DISPUTE_CARDS: dict[str, tuple[str, bool]] = {
    "4000000000002685": ("product_not_received", False),
    "4000000000001976": ("fraudulent", True),
}
REASONS = frozenset(
    {
        "fraudulent", "product_not_received", "product_unacceptable", "duplicate",
        "subscription_canceled", "credit_not_processed", "general", "unrecognized",
    }
)  # fmt: skip
OPEN = frozenset({"inquiry", "needs_response"})


class _Charge(Protocol):
    id: str
    reference: str | None
    amount_captured: int
    amount_refunded: int
    currency: str


class Reply(msgspec.Struct):
    status: int
    body: bytes


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(
        status,
        msgspec.json.encode({"error": {"type": "invalid_request_error", "code": code, "message": message}}),
    )


class DisputeDesk:
    """Disputes of one simulator. ``record(type, body_of)`` records and delivers an event."""

    def __init__(
        self,
        now: Callable[[], float],
        record: Callable[[str, Callable[[str, int], bytes]], None],
        charge: Callable[[str], _Charge | None],
    ) -> None:
        self._now = now
        self._record = record
        self._charge = charge
        self.disputes: dict[str, DisputeOut] = {}
        self._planned: dict[str, tuple[str, bool]] = {}  # charge id -> test card's dispute

    # ---- hooks from the charge side
    def plan(self, charge_id: str, card_number: str) -> None:
        planned = DISPUTE_CARDS.get(card_number)
        if planned is not None:
            self._planned[charge_id] = planned

    def on_captured(self, charge_id: str) -> None:
        planned = self._planned.pop(charge_id, None)
        if planned is not None:
            reason, inquiry = planned
            self.open(DisputeOpen(charge=charge_id, reason=reason, inquiry=inquiry))

    # ---- admin
    def open_request(self, body: bytes) -> Reply:
        try:
            return self.open(msgspec.json.decode(body or b"{}", type=DisputeOpen))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return _error(400, "parameter_invalid", str(exc))

    def close_request(self, dispute_id: str, body: bytes) -> Reply:
        try:
            return self.close(dispute_id, msgspec.json.decode(body or b"{}", type=DisputeClose))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return _error(400, "parameter_invalid", str(exc))

    def get(self, dispute_id: str) -> Reply:
        d = self.disputes.get(dispute_id)
        if d is None:
            return _error(404, "resource_missing", f"No such dispute: {dispute_id}")
        return Reply(200, msgspec.json.encode(d))

    def open(self, req: DisputeOpen) -> Reply:
        ch = self._charge(req.charge)
        if ch is None:
            return _error(404, "resource_missing", f"No such charge: {req.charge}")
        disputable = ch.amount_captured - ch.amount_refunded
        amount = disputable if req.amount is None else req.amount
        if disputable <= 0 or not 0 < amount <= disputable:
            return _error(
                400, "charge_not_disputable", f"Charge {ch.id} has {disputable} that can be disputed."
            )
        if req.reason not in REASONS:
            return _error(400, "parameter_invalid", f"unknown reason {req.reason!r}")
        now = int(self._now())
        d = DisputeOut(
            id="dp_sim_" + secrets.token_hex(10),
            charge=ch.id,
            charge_reference=ch.reference,
            amount=amount,
            currency=ch.currency,
            reason=req.reason,
            status="inquiry" if req.inquiry else "needs_response",
            funds_withdrawn=not req.inquiry,
            evidence_due_by=now + req.due_in_seconds,
            created=now,
        )
        self.disputes[d.id] = d
        self._emit("dispute.created", d)
        return Reply(200, msgspec.json.encode(d))

    def close(self, dispute_id: str, req: DisputeClose) -> Reply:
        d = self.disputes.get(dispute_id)
        if d is None:
            return _error(404, "resource_missing", f"No such dispute: {dispute_id}")
        if req.outcome not in ("won", "lost"):
            return _error(400, "parameter_invalid", "outcome must be won or lost")
        if d.status in ("won", "lost", "accepted"):
            return _error(409, "dispute_not_open", f"Dispute {d.id} is already {d.status}.")
        self._decide(d, req.outcome)
        return Reply(200, msgspec.json.encode(d))

    # ---- the merchant's API
    def evidence(self, dispute_id: str, body: bytes) -> Reply:
        try:
            req = msgspec.json.decode(body or b"{}", type=EvidenceCreate)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return _error(400, "parameter_invalid", str(exc))
        d = self.disputes.get(dispute_id)
        if d is None:
            return _error(404, "resource_missing", f"No such dispute: {dispute_id}")
        if d.status not in OPEN:
            return _error(409, "dispute_not_open", f"Dispute {d.id} is {d.status}: evidence is closed.")
        d.evidence = DisputeEvidenceOut(text=req.text, submitted=req.submit)
        if not req.submit:
            self._emit("dispute.updated", d)
        elif d.status == "inquiry":
            self._decide(d, "won")  # the issuer is satisfied: the inquiry closes
        elif "winning_evidence" in req.text:
            self._decide(d, "won")
        elif "losing_evidence" in req.text:
            self._decide(d, "lost")
        else:
            d.status = "under_review"
            self._emit("dispute.updated", d)
        return Reply(200, msgspec.json.encode(d))

    def accept(self, dispute_id: str) -> Reply:
        d = self.disputes.get(dispute_id)
        if d is None:
            return _error(404, "resource_missing", f"No such dispute: {dispute_id}")
        if d.status not in OPEN:
            return _error(409, "dispute_not_open", f"Dispute {d.id} is {d.status}: it cannot be accepted.")
        d.status, d.funds_withdrawn = "accepted", True
        self._emit("dispute.closed", d)
        return Reply(200, msgspec.json.encode(d))

    # ---- internals
    def _decide(self, d: DisputeOut, outcome: str) -> None:
        d.status = outcome
        d.funds_withdrawn = outcome == "lost"
        self._emit("dispute.closed", d)

    def _emit(self, type_: str, d: DisputeOut) -> None:
        snapshot = msgspec.structs.replace(d)

        def body_of(event_id: str, created: int) -> bytes:
            return msgspec.json.encode(
                DisputeEventOut(
                    id=event_id, type=type_, created=created, data=DisputeEventData(object=snapshot)
                )
            )

        self._record(type_, body_of)
