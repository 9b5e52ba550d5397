"""Changes made in a provider's dashboard (or by its support, or its own automation): the
provider moves money without the hub asking, and tells the hub only by its notifications.

Each helper makes the change in the fake's world exactly as the provider's API would (the
same state change, the same events), but with none of the hub's metadata or references, and
without counting it as a call the hub made."""

from __future__ import annotations

import secrets
from typing import Any

from contract_tests.fakes.adyen import Fake as AdyenFake
from contract_tests.fakes.adyen import Modification
from contract_tests.fakes.stripe import Fake as StripeFake


def _stripe(fake: StripeFake, call: Any, *args: Any) -> dict[str, Any]:
    world = fake.world
    counts = world.counts.copy()
    world._request = {"id": "req_" + secrets.token_hex(7), "idempotency_key": None}  # a dashboard request
    try:
        result: dict[str, Any] = call(*args)
    finally:
        world._request = None
        world.counts = counts
    return result


def stripe_capture(fake: StripeFake, pi_id: str, amount: int | None = None) -> dict[str, Any]:
    """The dashboard's "Capture": ``payment_intent.succeeded``."""
    params = {} if amount is None else {"amount_to_capture": str(amount)}
    return _stripe(fake, fake.world.capture_payment_intent, pi_id, params)


def stripe_refund(fake: StripeFake, pi_id: str, amount: int | None = None) -> dict[str, Any]:
    """The dashboard's "Refund": ``refund.created`` and ``charge.refunded``, no metadata."""
    params: dict[str, Any] = {"payment_intent": pi_id}
    if amount is not None:
        params["amount"] = str(amount)
    return _stripe(fake, fake.world.create_refund, params)


def stripe_cancel(fake: StripeFake, pi_id: str) -> dict[str, Any]:
    """The dashboard's "Cancel payment": ``payment_intent.canceled``."""
    return _stripe(fake, fake.world.cancel_payment_intent, pi_id, {})


def adyen_modification(fake: AdyenFake, psp: str, kind: str, amount: int | None = None) -> Modification:
    """A capture / refund / cancel made in Adyen's Customer Area: processed at once, its
    notification (CAPTURE / REFUND / CANCELLATION) carries a pspReference the hub never saw
    and the payment's own merchantReference."""
    world = fake.world
    payment = world.payments[psp]
    mod = Modification(
        psp=fake._psp(),
        kind=kind,
        payment=payment,
        amount=amount if amount is not None else (payment.amount if kind != "cancels" else None),
        currency=payment.currency,
        reference=None,
        processed=True,
    )
    world.modifications.append(mod)
    fake._process(mod)
    return mod
