"""The Stripe fake's in-memory world: PaymentIntents, Refunds, Payouts, Events.

Written from Stripe's public API reference (https://docs.stripe.com/api): the
resources carry the documented fields, state changes follow the PaymentIntent
lifecycle (requires_payment_method -> requires_action -> requires_capture ->
succeeded / canceled), errors have Stripe's ``{"error": {...}}`` shape, and every
state change records an Event signed with the account's webhook secret.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
from collections import Counter
from typing import Any

from adapters.base import OperationKind
from contract_tests.fakes.base import Notification
from contract_tests.fakes.stripe_cards import Behaviour
from contract_tests.fakes.stripe_methods import PaymentMethods
from webhooks.stripe import sign_header

API_VERSION = "2026-10-28.endive"
ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf",
    "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
}  # fmt: skip
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
_CURRENCY = re.compile(r"^[a-z]{3}$")

# external accounts attached to the fake Stripe account (Connect-less payouts go here)
BANK_OK = "ba_fake_ok0001"
BANK_CLOSED = "ba_fake_closed01"  # payouts to it fail later with account_closed
IBAN_OK = "DE89370400440532013000"
IBAN_CLOSED = "DE02120300000000202051"


class StripeError(Exception):
    """An API error in Stripe's shape. ``executed``: the endpoint began executing, so
    an idempotent result is saved (card declines); validation errors are not saved."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        payment_intent: dict[str, Any] | None = None,
        executed: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.executed = executed
        err: dict[str, Any] = {"message": message, "type": type}
        if code:
            err["code"] = code
            err["doc_url"] = f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}"
        if param:
            err["param"] = param
        if decline_code:
            err["decline_code"] = decline_code
        if payment_intent is not None:
            err["payment_intent"] = payment_intent
        self.body = {"error": err}


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


# --------------------------------------------------------------------------- params


def _int(params: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
        return None
    if not isinstance(raw, str) or not re.fullmatch(r"\d+", raw):
        raise StripeError(400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name)
    return int(raw)


def _bool(params: dict[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise StripeError(400, f"Invalid boolean: {raw}", code="parameter_invalid_boolean", param=name)
    return bool(raw == "true")


def check_allowed(params: dict[str, Any], allowed: dict[str, Any], prefix: str = "") -> None:
    """Reject parameters the endpoint does not know, like Stripe (parameter_unknown).

    ``allowed`` maps a name to None (scalar), ``"*"`` (free-form hash such as metadata)
    or a nested ``allowed`` dict.
    """
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in allowed:
            raise StripeError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )
        spec = allowed[key]
        if spec == "*":
            if not isinstance(value, dict):
                raise StripeError(400, f"Invalid hash: {name}", code="parameter_invalid_hash", param=name)
            continue
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise StripeError(400, f"Invalid object: {name}", code="parameter_invalid_object", param=name)
            check_allowed(value, spec, name)
        elif isinstance(value, dict):
            raise StripeError(400, f"Invalid value for {name}", code="parameter_invalid", param=name)


def check_metadata(md: dict[str, Any]) -> dict[str, str]:
    if len(md) > 50:
        raise StripeError(400, "Metadata can have at most 50 keys.", param="metadata")
    out: dict[str, str] = {}
    for k, v in md.items():
        if not isinstance(v, str) or len(k) > 40 or len(v) > 500:
            raise StripeError(400, f"Invalid metadata value for key {k}", param=f"metadata[{k}]")
        if v != "":
            out[k] = v
    return out


_METADATA = "*"
PI_CREATE: dict[str, Any] = {
    "amount": None,
    "currency": None,
    "capture_method": None,
    "confirm": None,
    "confirmation_method": None,
    "customer": None,
    "description": None,
    "metadata": _METADATA,
    "payment_method": None,
    "payment_method_types": {str(i): None for i in range(20)},
    "allowed_payment_method_types": {str(i): None for i in range(20)},
    "automatic_payment_methods": {"enabled": None, "allow_redirects": None},
    # Stripe's OpenAPI has no payment_method_data[card]: raw cards become a PaymentMethod first
    "payment_method_data": {
        "type": None,
        "billing_details": {"name": None, "email": None, "phone": None},
    },
    "payment_method_options": {
        "card": {"request_three_d_secure": None, "request_multicapture": None, "capture_method": None}
    },
    "return_url": None,
    "receipt_email": None,
    "statement_descriptor": None,
    "statement_descriptor_suffix": None,
    "error_on_requires_action": None,
    "off_session": None,
    "use_stripe_sdk": None,
    "expand": {str(i): None for i in range(20)},
}
PI_CONFIRM: dict[str, Any] = {
    "payment_method": None,
    "return_url": None,
    "payment_method_options": PI_CREATE["payment_method_options"],
    "payment_method_data": PI_CREATE["payment_method_data"],
    "error_on_requires_action": None,
    "expand": PI_CREATE["expand"],
}
PI_CAPTURE: dict[str, Any] = {
    "amount_to_capture": None,
    "final_capture": None,
    "metadata": _METADATA,
    "statement_descriptor": None,
    "statement_descriptor_suffix": None,
    "expand": PI_CREATE["expand"],
}
PI_CANCEL: dict[str, Any] = {"cancellation_reason": None, "expand": PI_CREATE["expand"]}
REFUND_CREATE: dict[str, Any] = {
    "payment_intent": None,
    "charge": None,
    "amount": None,
    "reason": None,
    "metadata": _METADATA,
    "expand": PI_CREATE["expand"],
}
PAYOUT_CREATE: dict[str, Any] = {
    "amount": None,
    "currency": None,
    "destination": None,
    "description": None,
    "metadata": _METADATA,
    "method": None,
    "source_type": None,
    "statement_descriptor": None,
    "expand": PI_CREATE["expand"],
}
CANCELABLE = {
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
}


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    if amount < 1:
        raise StripeError(
            400, "This value must be greater than or equal to 1.", code="amount_too_small", param=param
        )
    if amount > 99_999_999:
        raise StripeError(400, "Amount must be no more than 99999999.", code="amount_too_large", param=param)
    if currency in THREE_DECIMAL and amount % 10:
        raise StripeError(
            400,
            f"Invalid amount: {currency.upper()} amounts must be divisible by 10.",
            code="invalid_charge_amount",
            param=param,
        )
    if currency == "isk" and amount % 100:
        raise StripeError(
            400,
            "Invalid amount. Currency ISK has become effectively zero-decimal and charged amounts "
            "must be evenly divisible by 100.",
            code="invalid_charge_amount_no_decimal_compatible",
            param=param,
        )


# --------------------------------------------------------------------------- the world


# seconds after creation before a PaymentIntent is findable by Search (Stripe: "under normal
# operating conditions, data is searchable in less than a minute")
SEARCH_LAG_SECONDS = 30.0


class StripeWorld:
    def __init__(self, *, search_lag: float = SEARCH_LAG_SECONDS) -> None:
        self.secret_key = "sk_test_" + secrets.token_hex(16)
        self.webhook_secret = "whsec_" + secrets.token_hex(16)
        self.base_url = "https://api.stripe.com"
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.behaviours: dict[str, Behaviour] = {}  # pi id -> card behaviour
        self.return_urls: dict[str, str | None] = {}  # pi id -> return_url (not a PI field)
        self.refunds: dict[str, dict[str, Any]] = {}
        self.payouts: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.sent: list[Notification] = []
        self.counts: Counter[OperationKind] = Counter()
        self.clock_offset = 0.0
        self.search_lag = search_lag
        self.indexed_at: dict[str, float] = {}  # pi id -> fake-clock time Search finds it from
        self.methods = PaymentMethods(self.now, StripeError)
        self._request: dict[str, Any] | None = None  # for Event.request

    # ---------------------------------------------------------------- helpers

    def now(self) -> int:
        """Wall-clock time: webhooks are signed when delivered, and the hub checks the
        signature against its own clock, so simulated time (``advance``) only settles
        pending objects; it does not move timestamps."""
        return int(time.time())

    def clock(self) -> float:
        """The fake's own clock: wall time plus every ``advance()``. Idempotency keys are
        pruned and Search catches up by this clock."""
        return time.time() + self.clock_offset

    def _event(self, type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = previous
        event = {
            "id": _id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": self._request or {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self.events.append(event)
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = {
            "content-type": "application/json; charset=utf-8",
            "stripe-signature": sign_header(body, self.webhook_secret, self.now()),
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        self.sent.append(Notification(headers, body, type_))

    def _pi(self, pi_id: str) -> dict[str, Any]:
        pi = self.payment_intents.get(pi_id)
        if pi is None:
            raise StripeError(
                404, f"No such payment_intent: '{pi_id}'", code="resource_missing", param="intent"
            )
        return pi

    @staticmethod
    def _currency(params: dict[str, Any]) -> str:
        cur = params.get("currency")
        if cur is None:
            raise StripeError(
                400, "Missing required param: currency.", code="parameter_missing", param="currency"
            )
        if not isinstance(cur, str) or not _CURRENCY.match(cur.lower()):
            raise StripeError(
                400, f"Invalid currency: {cur}.", code="parameter_invalid_string", param="currency"
            )
        return cur.lower()

    def _resolve_card(self, params: dict[str, Any]) -> tuple[str, Behaviour] | None:
        pm = params.get("payment_method")
        pmd = params.get("payment_method_data")
        if pm is not None and pmd is not None:
            raise StripeError(
                400,
                "You cannot pass both payment_method and payment_method_data.",
                param="payment_method_data",
            )
        if isinstance(pm, str):
            behaviour = self.methods.behaviour(pm)
            if behaviour is None:
                raise StripeError(
                    400, f"No such PaymentMethod: '{pm}'", code="resource_missing", param="payment_method"
                )
            return pm, behaviour
        if isinstance(pmd, dict):
            raise StripeError(
                400,
                f"payment_method_data[type]={pmd.get('type')!r} is not available to this account: "
                "create a PaymentMethod and pass payment_method.",
                param="payment_method_data[type]",
            )
        return None

    # ---------------------------------------------------------------- PaymentIntents

    def create_payment_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, PI_CREATE)
        amount = _int(params, "amount", required=True)
        assert amount is not None
        currency = self._currency(params)
        check_amount(amount, currency)
        capture_method = params.get("capture_method", "automatic_async")
        if capture_method not in ("automatic", "automatic_async", "manual"):
            raise StripeError(400, f"Invalid capture_method: {capture_method}", param="capture_method")
        confirm = _bool(params, "confirm") or False
        tds = ((params.get("payment_method_options") or {}).get("card") or {}).get("request_three_d_secure")
        if tds not in (None, "any", "automatic", "challenge"):
            raise StripeError(
                400,
                f"Invalid payment_method_options[card][request_three_d_secure]: {tds}",
                param="payment_method_options[card][request_three_d_secure]",
            )
        apm = params.get("automatic_payment_methods") or {}
        if (
            confirm
            and not params.get("return_url")
            and apm.get("allow_redirects") != "never"
            and ("payment_method_types" not in params and "allowed_payment_method_types" not in params)
        ):
            raise StripeError(
                400,
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. "
                "Because some of these payment methods might redirect your customer off of your page, "
                "you must provide a `return_url`. If you don't want to accept redirect-based payment "
                "methods, set `automatic_payment_methods[enabled]` to `true` and "
                "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
                "and Payment Intents.",
                param="return_url",
            )
        resolved = self._resolve_card(params)
        metadata = check_metadata(params.get("metadata") or {})
        pi_id = _id("pi_")
        pi: dict[str, Any] = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": capture_method,
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}",
            "confirmation_method": params.get("confirmation_method", "automatic"),
            "created": self.now(),
            "currency": currency,
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata,
            "next_action": None,
            "payment_method": resolved[0] if resolved else None,
            "payment_method_options": {"card": {"request_three_d_secure": tds or "automatic"}},
            "payment_method_types": ["card"],
            "status": "requires_confirmation" if resolved else "requires_payment_method",
        }
        self.payment_intents[pi_id] = pi
        self.indexed_at[pi_id] = self.clock() + self.search_lag
        self.return_urls[pi_id] = params.get("return_url")
        if resolved:
            self.behaviours[pi_id] = resolved[1]
        self._event("payment_intent.created", pi)
        if confirm:
            if not resolved:
                raise StripeError(
                    400,
                    "You cannot confirm this PaymentIntent because it's missing a payment method.",
                    code="payment_intent_unexpected_state",
                    executed=True,
                )
            self._confirm(pi)
        return pi

    def confirm_payment_intent(self, pi_id: str, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, PI_CONFIRM)
        pi = self._pi(pi_id)
        if pi["status"] not in ("requires_confirmation", "requires_payment_method", "requires_action"):
            raise StripeError(
                400,
                f"This PaymentIntent's status is {pi['status']}, but it must be one of requires_payment_"
                "method, requires_confirmation, or requires_action to be confirmed.",
                code="payment_intent_unexpected_state",
                payment_intent=copy.deepcopy(pi),
            )
        resolved = self._resolve_card(params)
        if resolved:
            pi["payment_method"] = resolved[0]
            self.behaviours[pi_id] = resolved[1]
        elif pi["payment_method"] is None:
            raise StripeError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        if params.get("return_url"):
            self.return_urls[pi_id] = params["return_url"]
        self._confirm(pi)
        return pi

    def _redirect_url(self, pi: dict[str, Any]) -> str:
        return f"{self.base_url.rstrip('/')}/_fake/3ds/{pi['id']}?client_secret={pi['client_secret']}"

    def _confirm(self, pi: dict[str, Any]) -> None:
        self.counts[OperationKind.AUTHORIZE] += 1
        behaviour = self.behaviours[pi["id"]]
        tds = pi["payment_method_options"]["card"]["request_three_d_secure"]
        # request_three_d_secure=any on a card that merely supports 3DS runs frictionless here
        needs_3ds = behaviour.decline is None and (behaviour.three_ds == "required" or tds == "challenge")
        if needs_3ds:
            pi["status"] = "requires_action"
            return_url = self.return_urls.get(pi["id"])
            if return_url:
                pi["next_action"] = {
                    "type": "redirect_to_url",
                    "redirect_to_url": {"url": self._redirect_url(pi), "return_url": return_url},
                }
            else:
                pi["next_action"] = {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect"},
                }
            self._event("payment_intent.requires_action", pi)
            return
        self._authorize(pi, behaviour.decline)

    def _authorize(self, pi: dict[str, Any], decline: tuple[str, str | None, str] | None) -> None:
        pi["next_action"] = None
        if decline is not None:
            code, decline_code, message = decline
            charge_id = _id("ch_")
            pi["status"] = "requires_payment_method"
            pi["latest_charge"] = charge_id
            err: dict[str, Any] = {
                "type": "card_error",
                "code": code,
                "message": message,
                "charge": charge_id,
            }
            if decline_code:
                err["decline_code"] = decline_code
            pi["last_payment_error"] = err
            self._event("payment_intent.payment_failed", pi)
            raise StripeError(
                402,
                message,
                type="card_error",
                code=code,
                decline_code=decline_code,
                payment_intent=copy.deepcopy(pi),
                executed=True,
            )
        pi["latest_charge"] = _id("ch_")
        pi["last_payment_error"] = None
        if pi["capture_method"] == "manual":
            pi["status"] = "requires_capture"
            pi["amount_capturable"] = pi["amount"]
            self._event("payment_intent.amount_capturable_updated", pi)
        else:
            pi["status"] = "succeeded"
            pi["amount_received"] = pi["amount"]
            self._event("payment_intent.succeeded", pi)

    def finish_3ds(self, pi_id: str, succeed: bool) -> dict[str, Any]:
        pi = self._pi(pi_id)
        if pi["status"] != "requires_action":
            return pi
        self.counts[OperationKind.AUTHENTICATE] += 1
        if not succeed:
            pi["status"] = "requires_payment_method"
            pi["next_action"] = None
            pi["last_payment_error"] = {
                "type": "invalid_request_error",
                "code": "payment_intent_authentication_failure",
                "message": "We are unable to authenticate your payment method. Please choose a different "
                "payment method and try again.",
            }
            self._event("payment_intent.payment_failed", pi)
            return pi
        try:
            self._authorize(pi, self.behaviours[pi_id].decline_after_3ds)
        except StripeError:
            pass  # the failure is recorded on the PaymentIntent
        return pi

    def capture_payment_intent(self, pi_id: str, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, PI_CAPTURE)
        pi = self._pi(pi_id)
        amount = _int(params, "amount_to_capture")
        final = _bool(params, "final_capture")
        check_metadata(params.get("metadata") or {})
        if pi["status"] != "requires_capture":
            raise StripeError(
                400,
                f"This PaymentIntent could not be captured because it has a status of {pi['status']}. "
                "Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                code="payment_intent_unexpected_state",
                payment_intent=copy.deepcopy(pi),
            )
        if final is False:
            raise StripeError(
                400,
                "final_capture=false is only allowed when multicapture is available for this PaymentIntent.",
                param="final_capture",
            )
        if amount is None:
            amount = pi["amount_capturable"]
        if amount > pi["amount_capturable"] or amount < 1:
            raise StripeError(
                400,
                "The amount_to_capture must be less than or equal to the amount_capturable.",
                code="amount_too_large",
                param="amount_to_capture",
            )
        self.counts[OperationKind.CAPTURE] += 1
        if params.get("metadata"):
            pi["metadata"].update(check_metadata(params["metadata"]))
        pi["status"] = "succeeded"
        pi["amount_received"] = amount
        pi["amount_capturable"] = 0
        self._event("payment_intent.succeeded", pi)
        return pi

    def cancel_payment_intent(self, pi_id: str, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, PI_CANCEL)
        pi = self._pi(pi_id)
        reason = params.get("cancellation_reason")
        if reason not in (None, "duplicate", "fraudulent", "requested_by_customer", "abandoned"):
            raise StripeError(400, f"Invalid cancellation_reason: {reason}", param="cancellation_reason")
        if pi["status"] not in CANCELABLE:
            raise StripeError(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
                "PaymentIntent with one of the following statuses may be canceled: requires_payment_method, "
                "requires_capture, requires_confirmation, requires_action, processing.",
                code="payment_intent_unexpected_state",
                payment_intent=copy.deepcopy(pi),
            )
        self.counts[OperationKind.VOID] += 1
        pi["status"] = "canceled"
        pi["canceled_at"] = self.now()
        pi["cancellation_reason"] = reason
        pi["amount_capturable"] = 0
        pi["next_action"] = None
        self._event("payment_intent.canceled", pi)
        return pi

    def search_payment_intents(self, query: str) -> dict[str, Any]:
        match = re.fullmatch(r"\s*metadata\['([^']+)'\]\s*:\s*'([^']*)'\s*", query or "")
        if not match:
            raise StripeError(400, f"Invalid search query: {query}", param="query")
        key, value = match.groups()
        now = self.clock()
        data = [
            pi for pi in self.payment_intents.values()
            if pi["metadata"].get(key) == value and self.indexed_at.get(pi["id"], 0.0) <= now
        ]  # fmt: skip
        data.sort(key=lambda p: p["created"], reverse=True)
        return {"object": "search_result", "data": data, "has_more": False, "next_page": None,
                "url": "/v1/payment_intents/search"}  # fmt: skip

    # ---------------------------------------------------------------- refunds

    def create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, REFUND_CREATE)
        pi_id = params.get("payment_intent")
        if not pi_id:
            if params.get("charge"):
                raise StripeError(400, "Refunds by charge are not supported by this fake.", param="charge")
            raise StripeError(
                400,
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        pi = self._pi(str(pi_id))
        amount = _int(params, "amount")
        metadata = check_metadata(params.get("metadata") or {})
        if pi["status"] != "succeeded":
            raise StripeError(
                400,
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                code="charge_not_refundable" if pi["status"] != "requires_capture" else "charge_not_captured",
                param="payment_intent",
            )
        refunded = sum(
            r["amount"] for r in self.refunds.values()
            if r["payment_intent"] == pi["id"] and r["status"] in ("succeeded", "pending")
        )  # fmt: skip
        remaining = pi["amount_received"] - refunded
        if amount is None:
            amount = remaining
        if amount < 1 or amount > remaining:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large" if amount > remaining else "amount_too_small",
                param="amount",
            )
        self.counts[OperationKind.REFUND] += 1
        refund = {
            "id": _id("re_"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": _id("txn_"),
            "charge": pi["latest_charge"],
            "created": self.now(),
            "currency": pi["currency"],
            "failure_reason": None,
            "metadata": metadata,
            "payment_intent": pi["id"],
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        self._event("refund.created", refund)
        total = refunded + amount
        charge = {
            "id": pi["latest_charge"],
            "object": "charge",
            "amount": pi["amount"],
            "amount_captured": pi["amount_received"],
            "amount_refunded": total,
            "currency": pi["currency"],
            "metadata": dict(pi["metadata"]),
            "payment_intent": pi["id"],
            "refunded": total >= pi["amount_received"],
            "status": "succeeded",
        }
        self._event("charge.refunded", charge)
        return refund

    def list_refunds(self, query: dict[str, str]) -> dict[str, Any]:
        pi_id = query.get("payment_intent")
        limit = int(query.get("limit", "10"))
        data = [r for r in self.refunds.values() if pi_id is None or r["payment_intent"] == pi_id]
        data.sort(key=lambda r: r["created"], reverse=True)
        after = query.get("starting_after")
        if after:
            ids = [r["id"] for r in data]
            data = data[ids.index(after) + 1 :] if after in ids else []
        return {"object": "list", "data": data[:limit], "has_more": len(data) > limit, "url": "/v1/refunds"}

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise StripeError(404, f"No such refund: '{refund_id}'", code="resource_missing", param="id")
        return refund

    # ---------------------------------------------------------------- payouts

    def create_payout(self, params: dict[str, Any]) -> dict[str, Any]:
        check_allowed(params, PAYOUT_CREATE)
        amount = _int(params, "amount", required=True)
        assert amount is not None
        currency = self._currency(params)
        check_amount(amount, currency)
        if currency in ("huf", "twd") and amount % 100:
            raise StripeError(
                400, f"Payouts in {currency.upper()} must be whole units (amount divisible by 100).",
                param="amount",
            )  # fmt: skip
        destination = params.get("destination") or BANK_OK
        if destination not in (BANK_OK, BANK_CLOSED):
            raise StripeError(
                404,
                f"No such external account: '{destination}'",
                code="resource_missing",
                param="destination",
            )
        self.counts[OperationKind.PAYOUT] += 1
        payout = {
            "id": _id("po_"),
            "object": "payout",
            "amount": amount,
            "arrival_date": self.now() + 2 * 86400,
            "automatic": False,
            "balance_transaction": _id("txn_"),
            "created": self.now(),
            "currency": currency,
            "description": params.get("description"),
            "destination": destination,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": check_metadata(params.get("metadata") or {}),
            "method": params.get("method", "standard"),
            "source_type": "card",
            "statement_descriptor": params.get("statement_descriptor"),
            "status": "pending",
            "type": "bank_account",
        }
        self.payouts[payout["id"]] = payout
        self._event("payout.created", payout)
        return payout

    def get_payout(self, payout_id: str) -> dict[str, Any]:
        payout = self.payouts.get(payout_id)
        if payout is None:
            raise StripeError(404, f"No such payout: '{payout_id}'", code="resource_missing", param="id")
        return payout

    def list_payouts(self, query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit", "10"))
        gte = int(query.get("created[gte]", "0"))
        data = [p for p in self.payouts.values() if p["created"] >= gte]
        data.sort(key=lambda p: p["created"], reverse=True)
        return {"object": "list", "data": data[:limit], "has_more": len(data) > limit, "url": "/v1/payouts"}

    # ---------------------------------------------------------------- time

    def advance(self, seconds: float) -> None:
        self.clock_offset += seconds
        self._request = None
        for payout in self.payouts.values():
            if payout["status"] != "pending":
                continue
            if payout["destination"] == BANK_CLOSED:
                payout["status"] = "failed"
                payout["failure_code"] = "account_closed"
                payout["failure_message"] = "The bank account has been closed."
                self._event("payout.failed", payout, {"status": "pending"})
            else:
                payout["status"] = "paid"
                self._event("payout.paid", payout, {"status": "pending"})
        for refund in self.refunds.values():
            behaviour = self.behaviours.get(refund["payment_intent"])
            if refund["status"] == "succeeded" and behaviour is not None and behaviour.refund_fails:
                refund["status"] = "failed"
                refund["failure_reason"] = "expired_or_canceled_card"
                self._event("refund.failed", refund, {"status": "succeeded"})
