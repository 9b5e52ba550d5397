"""The state of the PayPal fake: orders, authorizations, captures, refunds, and the
request shapes PayPal's OpenAPI documents accept (anything else is refused).

Test instruments (PayPal sandbox "negative testing": the card holder name selects the
processor response): ``CCREJECT-REFUSED`` 0500, ``CCREJECT-IF`` 5120, ``CCREJECT-EC``
5400, ``CCREJECT-CVV_F`` 00N7, ``CCREJECT-LS`` 9520, ``CCREJECT-SF`` 9500,
``CCREJECT-IA`` 1330, ``CCREJECT-IRC`` 5180. Card ``4868719460707704`` (or
``SCA_ALWAYS``) needs 3D Secure.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.base import OperationKind

THREE_DS_CARD = "4868719460707704"
REJECT_CODES: dict[str, str] = {
    "CCREJECT-REFUSED": "0500",
    "CCREJECT-IF": "5120",
    "CCREJECT-EC": "5400",
    "CCREJECT-CVV_F": "00N7",
    "CCREJECT-LS": "9520",
    "CCREJECT-SF": "9500",
    "CCREJECT-IA": "1330",
    "CCREJECT-IRC": "5180",
}
NO_DECIMALS = {"HUF", "JPY", "TWD"}
_VALUE = re.compile(r"^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$")


class PayPalError(Exception):
    def __init__(self, status: int, issue: str, description: str = "", field: str | None = None) -> None:
        super().__init__(issue)
        self.status, self.issue, self.description, self.field = status, issue, description, field

    def body(self) -> dict[str, Any]:
        names = {400: "INVALID_REQUEST", 401: "AUTHENTICATION_FAILURE", 403: "NOT_AUTHORIZED",
                 404: "RESOURCE_NOT_FOUND", 422: "UNPROCESSABLE_ENTITY"}
        detail: dict[str, Any] = {"issue": self.issue, "description": self.description or self.issue}
        if self.field:
            detail["field"] = self.field
        return {"name": names.get(self.status, "INTERNAL_SERVER_ERROR"), "message": self.description or self.issue,
                "debug_id": secrets.token_hex(6), "details": [detail]}


# --------------------------------------------------------------------------- request shapes

STR, BOOL = str, bool
MONEY = {"currency_code": STR, "value": STR}
CARD = {
    "number": STR, "expiry": STR, "security_code": STR, "name": STR, "vault_id": STR,
    "billing_address": {"address_line_1": STR, "address_line_2": STR, "admin_area_1": STR,
                        "admin_area_2": STR, "postal_code": STR, "country_code": STR},
    "attributes": {"verification": {"method": STR}, "customer": {"id": STR}, "vault": {"store_in_vault": STR}},
    "experience_context": {"return_url": STR, "cancel_url": STR},
}
PAYMENT_SOURCE = {"card": CARD}
ORDER_CREATE = {
    "intent": STR,
    "purchase_units": [{
        "reference_id": STR, "custom_id": STR, "invoice_id": STR, "description": STR, "soft_descriptor": STR,
        "amount": {"currency_code": STR, "value": STR, "breakdown": dict},
    }],
    "payment_source": PAYMENT_SOURCE,
}
CONFIRM = {"payment_source": PAYMENT_SOURCE, "processing_instruction": STR}
ORDER_ACTION = {"payment_source": PAYMENT_SOURCE}
CAPTURE = {"amount": MONEY, "invoice_id": STR, "final_capture": BOOL, "note_to_payer": STR, "soft_descriptor": STR}
REFUND = {"amount": MONEY, "custom_id": STR, "invoice_id": STR, "note_to_payer": STR}
VERIFY = {"auth_algo": STR, "cert_url": STR, "transmission_id": STR, "transmission_sig": STR,
          "transmission_time": STR, "webhook_id": STR, "webhook_event": dict}
LIMITS = {"reference_id": 256, "custom_id": 127, "invoice_id": 127, "description": 127, "soft_descriptor": 22,
          "name": 300, "note_to_payer": 255}


def check(obj: Any, shape: Any, path: str = "") -> None:
    """Refuse what the documented shape does not have, as PayPal's schema validation does."""
    if isinstance(shape, dict):
        if not isinstance(obj, dict):
            raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "expected an object", path or "/")
        for key, value in obj.items():
            if key not in shape:
                raise PayPalError(400, "MALFORMED_REQUEST_JSON", f"unknown field {key}", f"{path}/{key}")
            check(value, shape[key], f"{path}/{key}")
    elif isinstance(shape, list):
        if not isinstance(obj, list) or not obj:
            raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "expected a non-empty array", path)
        for i, item in enumerate(obj):
            check(item, shape[0], f"{path}/{i}")
    elif shape is dict:
        if not isinstance(obj, dict):
            raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "expected an object", path)
    elif not isinstance(obj, shape):
        raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", f"expected {shape.__name__}", path)
    elif isinstance(obj, str):
        limit = LIMITS.get(path.rsplit("/", 1)[-1])
        if (limit and len(obj) > limit) or not obj:
            raise PayPalError(400, "INVALID_STRING_LENGTH", "too short or too long", path)


def amount_of(money: dict[str, Any], path: str, currency: str | None = None) -> Decimal:
    code, value = money.get("currency_code"), money.get("value")
    if not isinstance(value, str) or not _VALUE.match(value) or not isinstance(code, str):
        raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "money needs currency_code and value", path)
    if currency is not None and code != currency:
        raise PayPalError(422, "CURRENCY_MISMATCH", "currency does not match the order", f"{path}/currency_code")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "not a number", f"{path}/value") from None
    if amount <= 0:
        raise PayPalError(422, "CANNOT_BE_ZERO_OR_NEGATIVE", "must be greater than zero", f"{path}/value")
    places = -amount.as_tuple().exponent  # type: ignore[operator]
    if places > (0 if code in NO_DECIMALS else 2):
        raise PayPalError(422, "DECIMAL_PRECISION", f"{code} does not support this many decimals", path)
    return amount


def fmt(amount: Decimal, currency: str) -> dict[str, str]:
    value = f"{amount:.0f}" if currency in NO_DECIMALS else f"{amount:.2f}"
    return {"currency_code": currency, "value": value}


def _id(n: int = 17) -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXY0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


class PayPalWorld:
    def __init__(self) -> None:
        self.base_url = "https://paypal.fake.invalid"
        self.offset = 0.0
        self.orders: dict[str, dict[str, Any]] = {}
        self.auths: dict[str, dict[str, Any]] = {}  # id -> {"order": id, ...}
        self.captures: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.counts: Counter[OperationKind] = Counter()
        self.events: list[dict[str, Any]] = []

    def now(self) -> float:
        return time.time() + self.offset

    def stamp(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.now()))

    def link(self, path: str, rel: str, method: str = "GET") -> dict[str, str]:
        return {"href": f"{self.base_url}{path}", "rel": rel, "method": method}

    # ------------------------------------------------------------------ orders
    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        check(body, ORDER_CREATE)
        if body.get("intent") not in ("CAPTURE", "AUTHORIZE"):
            raise PayPalError(400, "INVALID_PARAMETER_VALUE", "intent must be CAPTURE or AUTHORIZE", "/intent")
        if len(body["purchase_units"]) != 1 or "payment_source" in body:
            raise PayPalError(422, "UNSUPPORTED_FEATURE", "the fake takes one purchase unit, no payment source")
        unit = dict(body["purchase_units"][0])
        amount = amount_of(unit.get("amount") or {}, "/purchase_units/0/amount")
        order_id = _id()
        unit["amount"] = fmt(amount, unit["amount"]["currency_code"])
        self.orders[order_id] = {"id": order_id, "intent": body["intent"], "status": "CREATED", "unit": unit,
                                 "card": None, "three_ds": None, "auths": [], "captures": [], "refunds": [],
                                 "create_time": self.stamp()}
        return self.order_view(order_id)

    def order(self, order_id: str) -> dict[str, Any]:
        if order_id not in self.orders:
            raise PayPalError(404, "INVALID_RESOURCE_ID", "the order does not exist")
        return self.orders[order_id]

    def order_view(self, order_id: str) -> dict[str, Any]:
        o = self.order(order_id)
        unit = {k: v for k, v in o["unit"].items()}
        payments = {"authorizations": [self.auths[a] for a in o["auths"]],
                    "captures": [self.captures[c] for c in o["captures"]],
                    "refunds": [self.refunds[r] for r in o["refunds"]]}
        if any(payments.values()):
            unit["payments"] = payments
        view: dict[str, Any] = {"id": o["id"], "intent": o["intent"], "status": o["status"],
                                "purchase_units": [unit], "create_time": o["create_time"],
                                "links": [self.link(f"/v2/checkout/orders/{o['id']}", "self")]}
        if o["card"] is not None:
            card: dict[str, Any] = {"last_digits": o["card"]["last_digits"], "brand": "VISA"}
            if o["three_ds"] is not None:
                card["authentication_result"] = o["three_ds"]
            view["payment_source"] = {"card": card}
        if o["status"] == "PAYER_ACTION_REQUIRED":
            view["links"].append({"href": f"{self.base_url}/webapps/helios?action=verify&flow=3ds&cart_id={o['id']}",
                                  "rel": "payer-action", "method": "GET"})
        return view

    def confirm(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        check(body, CONFIRM)
        o = self.order(order_id)
        if o["status"] == "COMPLETED":
            raise PayPalError(422, "ORDER_CANNOT_BE_CONFIRMED", "a COMPLETED order cannot be confirmed again")
        if o["status"] in ("APPROVED", "PAYER_ACTION_REQUIRED"):
            raise PayPalError(422, "PAYMENT_ALREADY_APPROVED", "the payment source is already confirmed")
        card = (body.get("payment_source") or {}).get("card")
        if not card:
            raise PayPalError(422, "NO_PAYMENT_SOURCE_PROVIDED", "payment_source.card is required")
        if card.get("vault_id"):
            number, name = "4111111111111111", "VAULTED"
        else:
            number, expiry = card.get("number", ""), card.get("expiry", "")
            if not re.fullmatch(r"[0-9]{13,19}", number):
                raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "card number", "/payment_source/card/number")
            if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", expiry):
                raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "expiry is YYYY-MM", "/payment_source/card/expiry")
            if expiry < time.strftime("%Y-%m", time.gmtime(self.now())):
                raise PayPalError(422, "CARD_EXPIRED", "The card is expired")
            code = card.get("security_code")
            if code is not None and not re.fullmatch(r"[0-9]{3,4}", code):
                raise PayPalError(422, "INVALID_SECURITY_CODE_LENGTH", "security code", "/payment_source/card")
            name = card.get("name", "")
        o["card"] = {"last_digits": number[-4:], "name": name}
        method = ((card.get("attributes") or {}).get("verification") or {}).get("method", "SCA_WHEN_REQUIRED")
        if number == THREE_DS_CARD or method == "SCA_ALWAYS":
            if not (card.get("experience_context") or {}).get("return_url"):
                raise PayPalError(422, "RETURN_URL_REQUIRED", "3D Secure needs experience_context.return_url")
            o["status"] = "PAYER_ACTION_REQUIRED"
        else:
            o["status"] = "APPROVED"
        return self.order_view(order_id)

    def finish_3ds(self, order_id: str, succeed: bool) -> None:
        o = self.order(order_id)
        o["status"] = "APPROVED"
        o["three_ds"] = ({"liability_shift": "POSSIBLE",
                          "three_d_secure": {"authentication_status": "Y", "enrollment_status": "Y"}}
                         if succeed else
                         {"liability_shift": "NO",
                          "three_d_secure": {"authentication_status": "N", "enrollment_status": "Y"}})

    def complete_order(self, order_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        check(body, ORDER_ACTION)
        o = self.order(order_id)
        if o["intent"] != action.upper():
            raise PayPalError(422, "ACTION_DOES_NOT_MATCH_INTENT", f"the order's intent is {o['intent']}")
        if o["status"] == "COMPLETED":
            raise PayPalError(422, "ORDER_ALREADY_AUTHORIZED" if action == "authorize" else "ORDER_ALREADY_CAPTURED")
        if o["status"] == "PAYER_ACTION_REQUIRED":
            raise PayPalError(422, "PAYER_ACTION_REQUIRED", "the payer must complete 3D Secure first")
        if o["status"] != "APPROVED":
            raise PayPalError(422, "ORDER_NOT_APPROVED", "the payer has not approved the order")
        reject = REJECT_CODES.get((o["card"] or {}).get("name", ""))
        unit = o["unit"]
        pr = {"response_code": reject or "0000", "avs_code": "Y", "cvv_code": "N" if reject == "00N7" else "M"}
        related = {"order_id": order_id}
        o["status"] = "COMPLETED"
        self.counts[OperationKind.AUTHORIZE] += 1
        if action == "authorize":
            auth_id = _id()
            self.auths[auth_id] = {
                "id": auth_id, "status": "DENIED" if reject else "CREATED", "amount": dict(unit["amount"]),
                "custom_id": unit.get("custom_id"), "invoice_id": unit.get("invoice_id"),
                "processor_response": pr, "supplementary_data": {"related_ids": related},
                "create_time": self.stamp(), "links": [self.link(f"/v2/payments/authorizations/{auth_id}", "self")],
                "_captured": "0",
            }
            o["auths"].append(auth_id)
            if not reject:
                self.emit("PAYMENT.AUTHORIZATION.CREATED", "authorization", self.public(self.auths[auth_id]))
        else:
            cap = self._new_capture(order_id, None, Decimal(unit["amount"]["value"]), unit, pr,
                                    "DECLINED" if reject else "COMPLETED", unit.get("invoice_id"))
            self.emit("PAYMENT.CAPTURE.DECLINED" if reject else "PAYMENT.CAPTURE.COMPLETED", "capture", cap)
        return self.order_view(order_id)

    # ------------------------------------------------------------------ payments
    @staticmethod
    def public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _new_capture(self, order_id: str, auth_id: str | None, amount: Decimal, unit: dict[str, Any],
                     pr: dict[str, str] | None, status: str, invoice_id: str | None, final: bool = True) -> dict[str, Any]:
        cap_id = _id()
        related = {"order_id": order_id, **({"authorization_id": auth_id} if auth_id else {})}
        cap: dict[str, Any] = {
            "id": cap_id, "status": status, "amount": fmt(amount, unit["amount"]["currency_code"]),
            "custom_id": unit.get("custom_id"), "final_capture": final,
            "supplementary_data": {"related_ids": related}, "create_time": self.stamp(),
            "links": [self.link(f"/v2/payments/captures/{cap_id}", "self")],
        }
        if invoice_id:
            cap["invoice_id"] = invoice_id
        if pr:
            cap["processor_response"] = pr
        self.captures[cap_id] = cap
        self.order(order_id)["captures"].append(cap_id)
        return cap

    def authorization(self, auth_id: str) -> dict[str, Any]:
        if auth_id not in self.auths:
            raise PayPalError(404, "INVALID_RESOURCE_ID", "the authorization does not exist")
        return self.auths[auth_id]

    def capture_authorization(self, auth_id: str, body: dict[str, Any]) -> dict[str, Any]:
        check(body, CAPTURE)
        auth = self.authorization(auth_id)
        order = self.order(auth["supplementary_data"]["related_ids"]["order_id"])
        if auth["status"] not in ("CREATED", "PARTIALLY_CAPTURED"):
            raise PayPalError(422, "AUTHORIZATION_ALREADY_CAPTURED" if "CAPTURED" in auth["status"]
                              else "AUTHORIZATION_VOIDED" if auth["status"] == "VOIDED" else "AUTHORIZATION_DENIED")
        currency = auth["amount"]["currency_code"]
        total, done = Decimal(auth["amount"]["value"]), Decimal(auth["_captured"])
        amount = amount_of(body["amount"], "/amount", currency) if "amount" in body else total - done
        if amount + done > total:
            raise PayPalError(422, "MAX_CAPTURE_AMOUNT_EXCEEDED", "more than the authorization has left")
        final = bool(body.get("final_capture", False))
        cap = self._new_capture(order["id"], auth_id, amount, order["unit"], None, "COMPLETED",
                                body.get("invoice_id"), final)
        auth["_captured"] = str(done + amount)
        auth["status"] = "CAPTURED" if final or amount + done == total else "PARTIALLY_CAPTURED"
        self.counts[OperationKind.CAPTURE] += 1
        self.emit("PAYMENT.CAPTURE.COMPLETED", "capture", cap)
        return cap

    def void(self, auth_id: str) -> dict[str, Any]:
        auth = self.authorization(auth_id)
        if auth["status"] == "VOIDED":
            raise PayPalError(422, "PREVIOUSLY_VOIDED", "the authorization was voided before")
        if auth["status"] != "CREATED":
            raise PayPalError(422, "CANNOT_BE_VOIDED", f"an authorization {auth['status']} cannot be voided")
        auth["status"] = "VOIDED"
        self.counts[OperationKind.VOID] += 1
        self.emit("PAYMENT.AUTHORIZATION.VOIDED", "authorization", self.public(auth))
        return self.public(auth)

    def capture(self, cap_id: str) -> dict[str, Any]:
        if cap_id not in self.captures:
            raise PayPalError(404, "INVALID_RESOURCE_ID", "the capture does not exist")
        return self.captures[cap_id]

    def refund(self, cap_id: str, body: dict[str, Any]) -> dict[str, Any]:
        check(body, REFUND)
        cap = self.capture(cap_id)
        if cap["status"] not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            raise PayPalError(422, "CAPTURE_FULLY_REFUNDED" if cap["status"] == "REFUNDED" else "INVALID_STATUS")
        currency = cap["amount"]["currency_code"]
        order_id = cap["supplementary_data"]["related_ids"]["order_id"]
        order = self.order(order_id)
        refunded = sum((Decimal(self.refunds[r]["amount"]["value"]) for r in order["refunds"]
                        if self.refunds[r]["links"][1]["href"].endswith(cap_id)), Decimal(0))
        left = Decimal(cap["amount"]["value"]) - refunded
        amount = amount_of(body["amount"], "/amount", currency) if "amount" in body else left
        if amount > left:
            raise PayPalError(422, "REFUND_AMOUNT_EXCEEDED", "the refund exceeds the captured amount left")
        ref_id = _id()
        refund: dict[str, Any] = {
            "id": ref_id, "status": "COMPLETED", "amount": fmt(amount, currency), "create_time": self.stamp(),
            "links": [self.link(f"/v2/payments/refunds/{ref_id}", "self"),
                      self.link(f"/v2/payments/captures/{cap_id}", "up")],
        }
        for key in ("custom_id", "invoice_id", "note_to_payer"):
            if key in body:
                refund[key] = body[key]
        self.refunds[ref_id] = refund
        order["refunds"].append(ref_id)
        cap["status"] = "REFUNDED" if amount == left else "PARTIALLY_REFUNDED"
        self.counts[OperationKind.REFUND] += 1
        self.emit("PAYMENT.CAPTURE.REFUNDED", "refund", refund)
        return refund

    def get_refund(self, ref_id: str) -> dict[str, Any]:
        if ref_id not in self.refunds:
            raise PayPalError(404, "INVALID_RESOURCE_ID", "the refund does not exist")
        return self.refunds[ref_id]

    def emit(self, event_type: str, resource_type: str, resource: dict[str, Any]) -> None:
        self.events.append({"id": f"WH-{_id(20)}", "event_version": "1.0", "create_time": self.stamp(),
                            "resource_type": resource_type, "event_type": event_type,
                            "summary": event_type.lower().replace(".", " "), "resource": dict(resource)})
