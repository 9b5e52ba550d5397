"""Disputes in the Stripe fake, from Stripe's API reference (https://docs.stripe.com/api/disputes).

* ``GET /v1/disputes`` (``charge``, ``payment_intent``, ``limit``), ``GET /v1/disputes/{id}``;
* ``POST /v1/disputes/{id}`` (``evidence[...]`` with the documented evidence fields,
  ``metadata``, ``submit`` — true by default, as Stripe documents; ``expand``): staged
  evidence keeps the status, submitting moves ``needs_response`` -> ``under_review``
  (``warning_needs_response`` -> ``warning_under_review``); a dispute that is not awaiting a
  response answers 400 and changes nothing; unknown parameters 400 ``parameter_unknown``;
* ``POST /v1/disputes/{id}/close`` -> ``lost`` (400 when already closed or under review);
* Stripe's test-mode evidence: submitted ``uncategorized_text`` ``winning_evidence`` closes the
  dispute ``won`` (``warning_closed`` for an inquiry) and reinstates the funds,
  ``losing_evidence`` closes it ``lost`` — the reply still says ``under_review``, the
  outcome comes as ``charge.dispute.closed`` (and ``charge.dispute.funds_reinstated``).

The issuer's side: Stripe's dispute test cards are disputed as soon as their charge succeeds
(``pm_card_createDispute`` / 4000000000000259 fraudulent, ``pm_card_createDisputeProductNotReceived``
/ 4000000000002685, ``pm_card_createDisputeInquiry`` / 4000000000001976 an inquiry), and a
test can open one on any succeeded PaymentIntent with :meth:`StripeDisputes.open`. A chargeback
withdraws the amount at once (a balance transaction of ``-amount``; ``charge.dispute.created``
then ``charge.dispute.funds_withdrawn``), an inquiry withdraws nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from contract_tests.fakes.stripe_world import StripeError, _bool, _id, check_allowed, check_metadata

EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation",
    "duplicate_charge_explanation", "duplicate_charge_id", "product_description", "receipt",
    "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "service_date",
    "service_documentation", "shipping_address", "shipping_carrier", "shipping_date",
    "shipping_documentation", "shipping_tracking_number", "uncategorized_file", "uncategorized_text",
)  # fmt: skip
UPDATE_PARAMS: dict[str, Any] = {
    "evidence": dict.fromkeys(EVIDENCE_FIELDS),
    "metadata": "*",
    "submit": None,
    "expand": "*",
}
CLOSE_PARAMS: dict[str, Any] = {"expand": "*"}
AWAITING = ("needs_response", "warning_needs_response")
CLOSED = ("won", "lost", "warning_closed")
DUE_IN = 7 * 86400


#: the last four digits of Stripe's dispute test cards -> (reason, inquiry)
DISPUTE_CARDS: dict[str, tuple[str, bool]] = {
    "0259": ("fraudulent", False),
    "2685": ("product_not_received", False),
    "1976": ("fraudulent", True),
}


class StripeDisputes:
    """The disputes of one fake Stripe account. ``event(type, obj)`` records a signed Event."""

    def __init__(
        self,
        now: Callable[[], int],
        event: Callable[[str, dict[str, Any]], None],
        payment_intent: Callable[[str], dict[str, Any]],
    ) -> None:
        self._now = now
        self._event = event
        self._pi = payment_intent
        self.disputes: dict[str, dict[str, Any]] = {}

    # ---------------------------------------------------------------- the issuer
    def watch(self, emit: Callable[..., None], last4_of: Callable[[str], str | None]) -> Callable[..., None]:
        """Wrap the world's event recorder: a dispute test card's charge is disputed once it succeeds."""

        def emit_and_watch(type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
            emit(type_, obj, previous)
            if type_ == "payment_intent.succeeded":
                planned = DISPUTE_CARDS.get(last4_of(obj["id"]) or "")
                if planned is not None:
                    self.open(obj["id"], reason=planned[0], inquiry=planned[1])

        return emit_and_watch

    def open(
        self, pi_id: str, *, reason: str = "fraudulent", inquiry: bool = False, amount: int | None = None
    ) -> dict[str, Any]:
        pi = self._pi(pi_id)
        if pi["status"] != "succeeded" or not pi.get("latest_charge"):
            raise ValueError(f"{pi_id} has no captured charge to dispute")
        amount = pi["amount_received"] if amount is None else amount
        now = self._now()
        dispute: dict[str, Any] = {
            "id": _id("dp_"),
            "object": "dispute",
            "amount": amount,
            "balance_transactions": [],
            "charge": pi["latest_charge"],
            "created": now,
            "currency": pi["currency"],
            "evidence": dict.fromkeys(EVIDENCE_FIELDS),
            "evidence_details": {"due_by": now + DUE_IN, "has_evidence": False, "past_due": False, "submission_count": 0},
            "is_charge_refundable": inquiry,
            "livemode": False,
            "metadata": {},
            "payment_intent": pi["id"],
            "payment_method_details": {"card": {"brand": "visa", "network_reason_code": "10.4"}, "type": "card"},
            "reason": reason,
            "status": "warning_needs_response" if inquiry else "needs_response",
        }
        self.disputes[dispute["id"]] = dispute
        self._event("charge.dispute.created", dispute)
        if not inquiry:
            self._balance(dispute, -amount, "dispute")
            self._event("charge.dispute.funds_withdrawn", dispute)
        return copy.deepcopy(dispute)

    def decide(self, dispute_id: str, won: bool) -> None:
        """The issuer's decision on a dispute under review (what Stripe sends later)."""
        d = self._get(dispute_id)
        inquiry = d["status"].startswith("warning_")
        d["status"] = ("warning_closed" if inquiry else "won") if won else ("warning_closed" if inquiry else "lost")
        self._event("charge.dispute.closed", d)
        if won and not inquiry and sum(b["amount"] for b in d["balance_transactions"]) < 0:
            self._balance(d, d["amount"], "dispute_reversal")
            self._event("charge.dispute.funds_reinstated", d)

    # ---------------------------------------------------------------- the API
    def retrieve(self, dispute_id: str) -> dict[str, Any]:
        return self._get(dispute_id)

    def list(self, query: dict[str, str]) -> dict[str, Any]:
        data = list(reversed(self.disputes.values()))
        for name in ("charge", "payment_intent"):
            if query.get(name):
                data = [d for d in data if d[name] == query[name]]
        limit = int(query.get("limit", "10"))
        return {"object": "list", "data": data[:limit], "has_more": len(data) > limit, "url": "/v1/disputes"}

    def update(self, dispute_id: str, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, UPDATE_PARAMS)
        d = self._get(dispute_id)
        submit = _bool(params, "submit")
        submit = True if submit is None else submit
        evidence = params.get("evidence") or {}
        if evidence and d["status"] not in AWAITING:
            raise StripeError(
                400,
                f"This dispute is {d['status']}: evidence can no longer be updated.",
                code="charge_dispute_not_awaiting_response" if d["status"] in CLOSED else "dispute_already_submitted",
            )
        if params.get("metadata"):
            d["metadata"].update(check_metadata(params["metadata"]))
        if evidence:
            size = sum(len(v) for v in evidence.values() if isinstance(v, str))
            if size > 150_000:
                raise StripeError(400, "The combined character count of evidence is limited to 150,000.", param="evidence")
            d["evidence"].update(evidence)
            d["evidence_details"]["has_evidence"] = True
        decision: bool | None = None
        if evidence and submit:
            d["evidence_details"]["submission_count"] += 1
            d["status"] = "warning_under_review" if d["status"] == "warning_needs_response" else "under_review"
            text = str(d["evidence"].get("uncategorized_text") or "")
            decision = True if "winning_evidence" in text else False if "losing_evidence" in text else None
        self._event("charge.dispute.updated", d)
        reply = copy.deepcopy(d)
        if decision is not None:
            self.decide(d["id"], decision)
        return reply

    def close(self, dispute_id: str, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, CLOSE_PARAMS)
        d = self._get(dispute_id)
        if d["status"] not in AWAITING:
            raise StripeError(400, f"This dispute is {d['status']} and cannot be closed.", code="charge_dispute_not_awaiting_response")
        d["status"] = "lost"
        self._event("charge.dispute.closed", d)
        return copy.deepcopy(d)

    # ---------------------------------------------------------------- helpers
    def _get(self, dispute_id: str) -> dict[str, Any]:
        d = self.disputes.get(dispute_id)
        if d is None:
            raise StripeError(404, f"No such dispute: '{dispute_id}'", code="resource_missing", param="dispute")
        return d

    def _balance(self, d: dict[str, Any], amount: int, category: str) -> None:
        d["balance_transactions"].append(
            {
                "id": _id("txn_"),
                "object": "balance_transaction",
                "amount": amount,
                "currency": d["currency"],
                "created": self._now(),
                "net": amount,
                "reporting_category": category,
                "type": "adjustment",
            }
        )
