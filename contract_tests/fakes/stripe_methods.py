"""The Stripe fake's PaymentMethods: ``POST /v1/payment_methods`` and ``GET /v1/payment_methods/{id}``.

From https://docs.stripe.com/api/payment_methods/create: ``type=card`` with ``card[number]``,
``card[exp_month]``, ``card[exp_year]``, ``card[cvc]`` (raw card data), ``billing_details``
and ``metadata``. The PaymentMethod moves no money; a PaymentIntent then takes it as
``payment_method=pm_...``. A number that fails the Luhn check is refused as Stripe does
(402 ``card_error`` ``incorrect_number``); declines happen later, on the PaymentIntent.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from contract_tests.fakes.stripe_cards import PAYMENT_METHODS, Behaviour, behaviour_for_number, luhn_ok

PM_CREATE: dict[str, Any] = {
    "type": None,
    "card": {"number": None, "exp_month": None, "exp_year": None, "cvc": None},
    "billing_details": {
        "name": None,
        "email": None,
        "phone": None,
        "address": {"city": None, "country": None, "line1": None, "line2": None,
                    "postal_code": None, "state": None},
    },
    "metadata": "*",
    "expand": {str(i): None for i in range(20)},
}  # fmt: skip


class PaymentMethods:
    """Created PaymentMethods (the documented test ``pm_card_*`` ids exist without creation)."""

    def __init__(self, now: Callable[[], int], error: Callable[..., Exception]) -> None:
        self._now = now
        self._error = error  # StripeError's constructor
        self.created: dict[str, dict[str, Any]] = {}
        self._numbers: dict[str, str] = {}

    def number_of(self, pm_id: str) -> str | None:
        return PAYMENT_METHODS.get(pm_id) or self._numbers.get(pm_id)

    def behaviour(self, pm_id: str) -> Behaviour | None:
        number = self.number_of(pm_id)
        return behaviour_for_number(number) if number is not None else None

    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("type") != "card":
            raise self._error(400, "Invalid type: must be card in this fake.", param="type")
        card = params.get("card") or {}
        for field in ("number", "exp_month", "exp_year"):
            if not card.get(field):
                raise self._error(
                    400,
                    f"Missing required param: card[{field}].",
                    code="parameter_missing",
                    param=f"card[{field}]",
                )
        number = str(card["number"]).replace(" ", "")
        if not luhn_ok(number):
            raise self._error(
                402, "Your card number is incorrect.", type="card_error", code="incorrect_number",
                param="card[number]",
            )  # fmt: skip
        for field, pattern in (("exp_month", r"\d{1,2}"), ("exp_year", r"\d{2,4}")):
            if not re.fullmatch(pattern, str(card[field])):
                raise self._error(400, f"Invalid integer: {card[field]}", param=f"card[{field}]")
        cvc = card.get("cvc")
        if cvc is not None and not re.fullmatch(r"\d{3,4}", str(cvc)):
            raise self._error(
                402, "Your card's security code is invalid.", type="card_error", code="invalid_cvc",
                param="card[cvc]",
            )  # fmt: skip
        behaviour = behaviour_for_number(number)
        pm_id = "pm_" + secrets.token_hex(12)
        pm = {
            "id": pm_id,
            "object": "payment_method",
            "billing_details": {"name": (params.get("billing_details") or {}).get("name")},
            "card": {
                "brand": behaviour.brand,
                "last4": number[-4:],
                "exp_month": int(card["exp_month"]),
                "exp_year": int(card["exp_year"]),
                "checks": {"cvc_check": "unchecked" if cvc else None},
            },
            "created": self._now(),
            "customer": None,
            "livemode": False,
            "metadata": dict(params.get("metadata") or {}),
            "type": "card",
        }
        self.created[pm_id] = pm
        self._numbers[pm_id] = number
        return pm

    def get(self, pm_id: str) -> dict[str, Any]:
        pm = self.created.get(pm_id)
        if pm is None:
            raise self._error(
                404, f"No such PaymentMethod: '{pm_id}'", code="resource_missing", param="payment_method"
            )
        return pm
