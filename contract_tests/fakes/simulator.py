"""The simulator's provider fake: the simulated PSP itself, wrapped in the ProviderFake protocol.

One ``Fake`` = one ``create_app()`` instance = one provider world. Its test instruments
are the simulator's documented test cards and IBANs (``adapters.simulator.app``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

import msgspec

from adapters.base import (
    Account,
    BankAccount,
    Card,
    DeclineCode,
    NextAction,
    OperationKind,
    PaymentMethod,
)
from adapters.simulator.app import create_app, sim_state
from contract_tests.fakes.base import ASGIApp, Notification
from webhooks.standard import generate_secret

APPROVE = "4242424242424242"
THREE_DS = "4000000000003220"
DECLINES: dict[DeclineCode, str] = {
    DeclineCode.DO_NOT_HONOR: "4000000000000002",
    DeclineCode.INSUFFICIENT_FUNDS: "4000000000009995",
    DeclineCode.EXPIRED_CARD: "4000000000000069",
    DeclineCode.INCORRECT_CVC: "4000000000000127",
    DeclineCode.LOST_OR_STOLEN: "4000000000009987",
    DeclineCode.FRAUD_SUSPECTED: "4100000000000019",
    DeclineCode.PROCESSING_ERROR: "4000000000000119",
}
IBAN_PAID = "DE89370400440532013000"
IBAN_CLOSED = "DE24370400440000000404"  # fails AC04


def card_method(number: str) -> PaymentMethod:
    return PaymentMethod(
        type="card",
        card=Card(number=number, exp_month=12, exp_year=2034, cvc="123", holder_name="Ada Lovelace"),
    )


class Fake:
    """ProviderFake for the ``simulator`` adapter."""

    adapter_name = "simulator"
    supports_stale_check = True

    def __init__(self, *, hang_seconds: float = 30.0, payout_delay: float = 1.0) -> None:
        self.api_key = "sk_sim_" + secrets.token_hex(12)
        self.webhook_secret = generate_secret()
        self._app = create_app(
            hang_seconds=hang_seconds,
            api_key=self.api_key,
            webhook_secret=self.webhook_secret,
            payout_delay=payout_delay,
        )
        self.state = sim_state(self._app)

    @property
    def app(self) -> ASGIApp:
        return self._app

    def account(self, base_url: str) -> Account:
        return Account(
            id="simulator-test",
            adapter="simulator",
            base_url=base_url,
            credentials={"api_key": self.api_key, "webhook_secret": self.webhook_secret},
        )

    # ---- test instruments
    def approve_method(self) -> PaymentMethod:
        return card_method(APPROVE)

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        return {code: card_method(number) for code, number in DECLINES.items()}

    def three_ds_method(self) -> PaymentMethod | None:
        return card_method(THREE_DS)

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        """Press Complete / Fail on the challenge page (``/3ds/{charge_id}``)."""
        if not next_action.url:
            raise ValueError("next_action has no url")
        charge_id = urlsplit(next_action.url).path.rstrip("/").rsplit("/", 1)[-1]
        params = self.state.complete_challenge(charge_id, succeed)
        if params is None:
            raise ValueError(f"no challenge pending for {charge_id}")
        return params

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return (
            BankAccount(iban=IBAN_PAID, bic="COBADEFFXXX", name="Ada Lovelace", country="DE"),
            BankAccount(iban=IBAN_CLOSED, bic="COBADEFFXXX", name="Charles Babbage", country="DE"),
        )

    # ---- what the provider saw
    def count(self, kind: OperationKind) -> int:
        return self.state.count(kind.value)

    def notifications(self) -> list[Notification]:
        return [
            Notification(headers=e.headers, body=e.body.encode(), event_type=e.type)
            for e in self.state.signed_events()
        ]

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        return self.state.sign(self._msg_id(body), body, timestamp)

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        return Notification(
            headers=self.sign(body, timestamp=timestamp), body=body, event_type=self._type(body)
        )

    async def advance(self, seconds: float = 0.0) -> None:
        await self.state.advance(seconds)

    # ---- helpers
    @staticmethod
    def _decoded(body: bytes) -> dict[str, object]:
        try:
            value = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return {}
        return value if isinstance(value, dict) else {}

    def _msg_id(self, body: bytes) -> str:
        event_id = self._decoded(body).get("id")
        return event_id if isinstance(event_id, str) and event_id else "msg_" + secrets.token_hex(12)

    def _type(self, body: bytes) -> str:
        event_type = self._decoded(body).get("type")
        return event_type if isinstance(event_type, str) else "unknown"
