"""Where a payout goes: validated, masked for responses, sealed in the vault for replays.

* ``{"type": "bank_account", "iban", "bic", "name", "country"}`` - checked by
  :mod:`hub.domain.bank_accounts` (IBAN mod-97 and country length, BIC format, name,
  country consistent with the IBAN); the full details are stored only as a vault
  ciphertext bound to (owner, ``payout_destination``, payout id); responses show
  the IBAN masked.
* ``{"type": "card", "token": "pm_..."}`` - a vaulted card (push-to-card); the card
  stays in the payment-method vault and is decrypted only for the call.

Every invalid detail is a 422 ``validation_error`` naming ``destination.<field>``,
with the specific ``reason`` (``invalid_iban``, ``invalid_bic``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from adapters.base import BankAccount, Capability, Card
from hub.domain.bank_accounts import BankAccountError, validate_bank_account
from hub.domain.errors import NotFound, NotSupportedByAccount, ValidationFailed
from hub.providers import ProviderAccount
from hub.services.payment_methods import masked_view
from hub.store.repo import Row
from vault.envelope import Context
from vault.errors import VaultError
from vault.vault import Vault

VAULT_KIND = "payout_destination"


class CardSource(Protocol):
    """hub.services.payment_methods.PaymentMethods."""

    async def get(self, owner: str, pm_id: str) -> Row: ...
    async def card_of(self, row: Row, cvc: str | None = None) -> Card: ...


@dataclass
class ResolvedDestination:
    masked: dict[str, Any]  # what responses and events show
    bank_account: BankAccount | None = None
    card: Card | None = None


def _invalid(field: str, message: str, reason: str = "validation_error") -> ValidationFailed:
    return ValidationFailed(message, field=f"destination.{field}", extra={"reason": reason})


def mask_iban(iban: str) -> str:
    """``DE89370400440532013000`` -> ``DE89**************3000``."""
    return iban[:4] + "*" * (len(iban) - 8) + iban[-4:]


def masked_bank_account(account: BankAccount) -> dict[str, Any]:
    return {
        "type": "bank_account",
        "iban": mask_iban(account.iban),
        "last4": account.iban[-4:],
        "bic": account.bic,
        "name": account.name,
        "country": account.country,
    }


def bank_account_of(raw: dict[str, Any]) -> BankAccount:
    try:
        valid = validate_bank_account(
            raw.get("iban") or "", raw.get("bic"), raw.get("name"), raw.get("country")
        )
    except BankAccountError as exc:
        raise _invalid(exc.field, f"destination.{exc.field}: {exc.message}", exc.code) from None
    return BankAccount(iban=valid.iban, bic=valid.bic, name=valid.name, country=valid.country)


async def resolve(
    owner: str, raw: dict[str, Any], provider: ProviderAccount, cards: CardSource
) -> ResolvedDestination:
    """Validate ``raw`` for ``provider`` (422 ``not_supported`` when it cannot pay there)."""
    kind = raw.get("type")
    if kind == "bank_account":
        if not provider.supports(Capability.PAYOUT):
            raise NotSupportedByAccount(
                f"account {provider.id!r} ({provider.adapter.name}) does not support payouts to bank accounts",
                field="destination.type",
            )
        account = bank_account_of(raw)
        return ResolvedDestination(masked=masked_bank_account(account), bank_account=account)
    if kind == "card":
        if not provider.supports(Capability.PAYOUT_TO_CARD):
            raise NotSupportedByAccount(
                f"account {provider.id!r} ({provider.adapter.name}) does not support payouts to cards",
                field="destination.type",
            )
        token = raw.get("token")
        if not isinstance(token, str) or not token.startswith("pm_"):
            raise _invalid("token", "destination.token must be a payment method id (pm_...)")
        try:
            row = await cards.get(owner, token)
        except NotFound:
            raise _invalid("token", f"destination.token: no payment method {token!r}") from None
        if row["ciphertext"] is None:
            raise _invalid("token", f"destination.token: payment method {token} was deleted")
        card = await cards.card_of(row)
        return ResolvedDestination(masked=masked_view(row), card=card)
    raise _invalid("type", "destination.type must be bank_account or card")


async def seal(vault: Vault, owner: str, payout_id: str, destination: ResolvedDestination) -> str | None:
    """The full bank details as a vault ciphertext (a card stays in the payment-method vault)."""
    if destination.bank_account is None:
        return None
    plain = msgspec.json.encode(destination.bank_account)
    return await vault.encrypt(plain, Context(owner, VAULT_KIND, payout_id))


async def unseal(payout: Row, vault: Vault, cards: CardSource) -> ResolvedDestination:
    """The destination of a stored payout, for a replay of its transfer."""
    masked = dict(payout["destination"] or {})
    if payout["destination_ciphertext"]:
        try:
            plain = await vault.decrypt(
                payout["destination_ciphertext"], Context(payout["owner"], VAULT_KIND, payout["id"])
            )
        except VaultError as exc:
            raise ValueError(f"payout {payout['id']}: destination not readable ({exc})") from exc
        return ResolvedDestination(masked=masked, bank_account=msgspec.json.decode(plain, type=BankAccount))
    if masked.get("type") == "card" and masked.get("token"):
        row = await cards.get(payout["owner"], masked["token"])
        return ResolvedDestination(masked=masked, card=await cards.card_of(row))
    raise ValueError(f"payout {payout['id']} has no stored destination")
