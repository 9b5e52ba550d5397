"""Tokenization: cards go into the vault and come out only inside the call that needs them.

The PAN and expiry are stored as one vault ciphertext bound to (owner, "card",
pm id); brand, BIN, last four and expiry stay readable; a keyed hash of the PAN
is the fingerprint. The CVC is never written anywhere: it rides in memory with
the one authorization it came with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Capability, Card, PaymentMethod
from hub.domain.errors import NotFound, NotSupportedByAccount, ValidationFailed
from hub.domain.ids import new_id
from hub.providers import ProviderAccount
from hub.services.payments import ResolvedMethod
from hub.store import tables as t
from hub.store.repo import Row, insert_row, iso, utcnow
from vault import cards
from vault.envelope import Context
from vault.vault import Vault


class _CardSecret(msgspec.Struct):
    number: str
    exp_month: int
    exp_year: int
    holder_name: str | None = None


def describe(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "payment_method",
        "type": row["type"],
        "card": {
            "brand": row["brand"],
            "bin": row["bin"],
            "last4": row["last4"],
            "exp_month": row["exp_month"],
            "exp_year": row["exp_year"],
            "fingerprint": row["fingerprint"],
        },
        "deleted": row["deleted_at"] is not None,
        "created_at": iso(row["created_at"]),
    }


def masked_view(row: Row) -> dict[str, Any]:
    return {
        "type": "card",
        "token": row["id"],
        "brand": row["brand"],
        "last4": row["last4"],
        "exp_month": row["exp_month"],
        "exp_year": row["exp_year"],
    }


def validate_card(raw: dict[str, Any], now: dt.datetime | None = None) -> _CardSecret:
    try:
        number = cards.normalize_pan(str(raw.get("number", "")))
        if not number.isdigit() or not 12 <= len(number) <= 19 or not cards.luhn_valid(number):
            raise cards.CardError("incorrect_number", "card.number is not a valid card number", "number")
        cards.validate_expiry(int(raw["exp_month"]), int(raw["exp_year"]), now=now)
        cvc = raw.get("cvc")
        if cvc is not None and (not str(cvc).isdigit() or not 3 <= len(str(cvc)) <= 4):
            raise cards.CardError("invalid_cvc", "card.cvc must be 3 or 4 digits", "cvc")
    except cards.CardError as exc:
        raise ValidationFailed(str(exc.message), code=exc.code, field=f"card.{exc.field}") from None
    return _CardSecret(number, int(raw["exp_month"]), int(raw["exp_year"]), raw.get("holder_name"))


class PaymentMethods:
    def __init__(self, engine: AsyncEngine, vault: Vault) -> None:
        self.engine = engine
        self.vault = vault

    async def tokenize(self, owner: str, raw: dict[str, Any]) -> Row:
        """Validate, encrypt and store a card; returns its row."""
        row = await self.prepare(owner, raw)
        async with self.engine.begin() as conn:
            await insert_row(conn, t.payment_methods, row)
        return row

    async def prepare(self, owner: str, raw: dict[str, Any]) -> Row:
        """The row :meth:`tokenize` would store (validated, PAN and expiry encrypted), not stored:
        a card sent inline with a payment is written in the payment's own transaction."""
        secret = validate_card(raw)
        pm_id = new_id("pm")
        ciphertext = await self.vault.encrypt(msgspec.json.encode(secret), Context(owner, "card", pm_id))
        fingerprint = self.vault.fingerprint(secret.number.encode())
        row: Row = {
            "id": pm_id,
            "owner": owner,
            "type": "card",
            "brand": cards.brand(secret.number),
            "bin": secret.number[:6],
            "last4": secret.number[-4:],
            "exp_month": secret.exp_month,
            "exp_year": secret.exp_year,
            "fingerprint": fingerprint,
            "ciphertext": ciphertext,
            "holder_name_present": bool(secret.holder_name),
            "created_at": utcnow(),
            "deleted_at": None,
        }
        return row

    async def get(self, owner: str, pm_id: str) -> Row:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(t.payment_methods).where(
                            t.payment_methods.c.id == pm_id, t.payment_methods.c.owner == owner
                        )
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"no payment method {pm_id!r}")
        return dict(row)

    async def delete(self, owner: str, pm_id: str) -> Row:
        """Crypto-shred: the ciphertext is destroyed; only the masked facts remain."""
        row = await self.get(owner, pm_id)
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.payment_methods)
                .where(t.payment_methods.c.id == pm_id)
                .values(ciphertext=None, deleted_at=now)
            )
        row.update(ciphertext=None, deleted_at=now)
        return row

    async def card_of(self, row: Row, cvc: str | None = None) -> Card:
        if row["ciphertext"] is None:
            raise ValidationFailed(
                f"payment method {row['id']} was deleted",
                code="payment_method_deleted",
                field="payment_method.token",
            )
        plain = await self.vault.decrypt(row["ciphertext"], Context(row["owner"], "card", row["id"]))
        secret = msgspec.json.decode(plain, type=_CardSecret)
        return Card(
            number=secret.number,
            exp_month=secret.exp_month,
            exp_year=secret.exp_year,
            cvc=cvc,
            holder_name=secret.holder_name,
        )

    async def card_facts(self, owner: str, raw: dict[str, Any]) -> tuple[str | None, str | None]:
        """(brand, number or BIN) of the card a payment request names, for routing; nothing
        for a provider token or an unknown token (resolution reports those)."""
        if raw.get("type") != "card":
            return None, None
        card = raw.get("card")
        if isinstance(card, dict) and card.get("number"):
            number = cards.normalize_pan(str(card["number"]))
            return cards.brand(number), number
        token = raw.get("token")
        if not token:
            return None, None
        try:
            row = await self.get(owner, str(token))
        except NotFound:
            return None, None
        return row["brand"], row["bin"]

    # the MethodResolver protocol used by PaymentService
    async def resolve(self, owner: str, raw: dict[str, Any], provider: ProviderAccount) -> ResolvedMethod:
        kind = raw.get("type")
        if kind == "provider_token":
            if not provider.supports(Capability.PROVIDER_TOKEN):
                raise NotSupportedByAccount(
                    f"account {provider.id!r} does not accept provider tokens", field="payment_method.type"
                )
            token = raw.get("token")
            if not token:
                raise ValidationFailed("payment_method.token is required", field="payment_method.token")
            return ResolvedMethod(
                PaymentMethod(type="provider_token", token=token), {"type": "provider_token", "token": token}
            )
        if kind != "card":
            raise ValidationFailed(
                "payment_method.type must be card or provider_token", field="payment_method.type"
            )
        if not provider.supports(Capability.RAW_CARD):
            raise NotSupportedByAccount(
                f"account {provider.id!r} does not accept card data; use a provider_token",
                field="payment_method.type",
            )
        if raw.get("card") is not None and raw.get("token") is not None:
            raise ValidationFailed(
                "give either payment_method.card or payment_method.token", field="payment_method"
            )
        if raw.get("card") is not None:
            card_raw = raw["card"]
            row = await self.prepare(owner, card_raw)
            card = Card(
                number=cards.normalize_pan(str(card_raw["number"])),
                exp_month=int(card_raw["exp_month"]),
                exp_year=int(card_raw["exp_year"]),
                cvc=card_raw.get("cvc"),
                holder_name=card_raw.get("holder_name"),
            )
            return ResolvedMethod(PaymentMethod(type="card", card=card), masked_view(row), new_row=row)
        token = raw.get("token")
        if not token:
            raise ValidationFailed("payment_method needs card or token", field="payment_method")
        try:
            row = await self.get(owner, token)
        except NotFound:
            raise ValidationFailed(
                f"no payment method {token!r}", code="payment_method_not_found", field="payment_method.token"
            ) from None
        card = await self.card_of(row)
        return ResolvedMethod(PaymentMethod(type="card", card=card), masked_view(row))
