"""What a provider fake offers the contract suite.

A fake is a stateful ASGI app written from the provider's public API
documentation: it validates requests the way the provider does (unknown
parameters rejected as the provider rejects them), honours idempotency keys
as the provider documents, keeps objects in memory, and signs the
notifications it would send with the account's webhook secret.

Transport faults (timeouts after processing, dropped connections, 500s) are
NOT the fake's job: ``contract_tests.faults.FaultTransport`` wraps any fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from adapters.base import (
    Account,
    BankAccount,
    DeclineCode,
    NextAction,
    OperationKind,
    PaymentMethod,
)

ASGIApp = Any


class SignedNotification(Protocol):
    headers: Mapping[str, str]
    body: bytes


class Notification:
    """A notification the fake would POST to the hub: headers (lower case) and raw body."""

    def __init__(self, headers: Mapping[str, str], body: bytes, event_type: str) -> None:
        self.headers = dict(headers)
        self.body = body
        self.event_type = event_type

    def __repr__(self) -> str:
        return f"Notification({self.event_type}, {len(self.body)} bytes)"


class ProviderFake(Protocol):
    """Implemented by every fake in contract_tests/fakes/. One instance = one provider world."""

    adapter_name: str  # the adapter this fake stands in for ("stripe", "adyen", ...)

    @property
    def app(self) -> ASGIApp:
        """The ASGI app serving the provider's API (same instance, same state)."""

    def account(self, base_url: str) -> Account:
        """An account whose credentials this fake accepts (API key, webhook secret, ...)."""

    # ---- test instruments, as the provider documents them
    def approve_method(self) -> PaymentMethod:
        """A payment method the provider approves."""

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        """One payment method per decline family the provider can simulate."""

    def three_ds_method(self) -> PaymentMethod | None:
        """A payment method that needs a 3DS challenge (None: no 3DS)."""

    def complete_challenge(
        self, next_action: NextAction, *, succeed: bool = True
    ) -> dict[str, str]:
        """Act as the shopper's browser: finish the challenge and return the
        parameters the provider would append to ``return_url``."""

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        """(a destination that succeeds, one that is rejected); None where not applicable."""

    # ---- what the provider saw
    def count(self, kind: OperationKind) -> int:
        """How many distinct operations of ``kind`` the provider actually performed
        (idempotent replays of one request count once)."""

    def notifications(self) -> list[Notification]:
        """Notifications generated so far (signed with the account's webhook secret), oldest first."""

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """Headers signing ``body`` as the provider would (timestamp for schemes that have one).
        For schemes that sign inside the body (Adyen), return {} and see ``resign``."""

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        """A notification carrying ``body`` (re)signed correctly, optionally dated ``timestamp``."""

    supports_stale_check: bool  # False when the scheme has no timestamp (Adyen HMAC)

    async def advance(self, seconds: float = 0.0) -> None:
        """Let provider-side time pass (settle pending captures, post bank statements...)."""
