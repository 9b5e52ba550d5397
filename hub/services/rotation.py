"""Online, resumable re-wrapping of every stored vault ciphertext (``payhub vault rotate``).

A KEK rotation adds a version that wraps new data keys at once; the data keys
already stored stay wrapped under older versions until they are re-wrapped.
:class:`Rotation` walks every ciphertext column in primary-key order, in batches:

* ciphertexts already under the current version are skipped (so an interrupted
  run simply resumes; re-running is always safe);
* the others are re-wrapped with :meth:`vault.Vault.rewrap` OUTSIDE any
  transaction (KMS calls never hold database locks), then written with a
  conditional ``UPDATE ... WHERE key = :k AND column = :old`` in one short
  transaction per batch -- a concurrent writer (a credential rotation, a
  crypto-shred) always wins and is counted as ``changed``;
* the payload is authenticated while re-wrapping, so a ciphertext that does not
  belong to its row fails (counted as ``failed``) instead of being laundered.

:meth:`Rotation.census` counts ciphertexts per KEK version; :meth:`Rotation.retire`
refuses while any ciphertext still uses the version.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.security import FINGERPRINT_KEY
from hub.services.payout_destinations import VAULT_KIND as PAYOUT_DESTINATION_KIND
from hub.services.webhook_endpoints import secret_context as webhook_secret_context
from hub.store import tables as t
from hub.store.repo import Row
from vault.envelope import Context
from vault.errors import VaultError
from vault.vault import FINGERPRINT_KEY_CONTEXT, Vault

log = logging.getLogger("payhub.rotation")


def _vault_key_context(row: Row) -> Context:
    if row["name"] == FINGERPRINT_KEY:
        return FINGERPRINT_KEY_CONTEXT
    return Context(owner="payhub", kind=f"vault_key.{row['name']}", record_id=row["name"])


@dataclass(frozen=True)
class CipherColumn:
    """One column holding vault ciphertexts, and the Context each row's value is bound to."""

    name: str
    table: Table
    column: str
    key: str
    context: Callable[[Row], Context]
    extra: tuple[str, ...] = ()  # other columns the context needs

    def label(self) -> str:
        return f"{self.table.name}.{self.column}"


# Every vault.encrypt in the hub, with the Context it uses (grep vault.encrypt to check).
CIPHER_COLUMNS: tuple[CipherColumn, ...] = (
    CipherColumn(
        "account credentials",
        t.accounts,
        "credentials",
        "id",
        lambda r: Context(owner="payhub", kind="account.credentials", record_id=r["id"]),
    ),
    CipherColumn(
        "cards",
        t.payment_methods,
        "ciphertext",
        "id",
        lambda r: Context(r["owner"], "card", r["id"]),
        ("owner",),
    ),
    CipherColumn(
        "payout destinations",
        t.payouts,
        "destination_ciphertext",
        "id",
        lambda r: Context(r["owner"], PAYOUT_DESTINATION_KIND, r["id"]),
        ("owner",),
    ),
    CipherColumn(
        "webhook endpoint secrets",
        t.webhook_endpoints,
        "secret",
        "id",
        lambda r: webhook_secret_context(r["owner"], r["id"]),
        ("owner",),
    ),
    CipherColumn("hub keys", t.vault_keys, "ciphertext", "name", _vault_key_context),
)


@dataclass
class ColumnReport:
    label: str
    scanned: int = 0
    current: int = 0  # already under the current KEK version
    rewrapped: int = 0
    changed: int = 0  # a concurrent writer changed the value first (it wins; rerun to check)
    failed: int = 0  # could not be re-wrapped (wrong context, unknown/retired key, ...)
    errors: list[str] = field(default_factory=list)


@dataclass
class RotationReport:
    kek_id: str
    version: int
    columns: list[ColumnReport] = field(default_factory=list)

    @property
    def rewrapped(self) -> int:
        return sum(c.rewrapped for c in self.columns)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.columns)

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.columns)


class RetireRefused(Exception):
    """A KEK version cannot be retired while ciphertexts still use it."""


Progress = Callable[[ColumnReport], None]


class Rotation:
    def __init__(
        self, engine: AsyncEngine, vault: Vault, columns: tuple[CipherColumn, ...] = CIPHER_COLUMNS
    ) -> None:
        self.engine = engine
        self.vault = vault
        self.columns = columns

    async def rotate(self) -> int:
        """Add a KEK version; this process's new writes use it at once."""
        version = await self.vault.rotate()
        log.warning("KEK %s rotated to version %d", self.vault.kms.key_id, version)
        return version

    async def rewrap_all(self, *, batch_size: int = 500, progress: Progress | None = None) -> RotationReport:
        """Re-wrap every stored ciphertext onto the current KEK version (online, resumable)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        report = RotationReport(self.vault.kms.key_id, self.vault.kms.current_version)
        for col in self.columns:
            report.columns.append(await self._rewrap_column(col, batch_size, progress))
        return report

    async def _read_batch(self, col: CipherColumn, after: str | None, batch_size: int) -> list[Row]:
        table = col.table
        key = table.c[col.key]
        cols = [key, table.c[col.column], *(table.c[x] for x in col.extra)]
        stmt = select(*cols).where(table.c[col.column].is_not(None)).order_by(key).limit(batch_size)
        if after is not None:
            stmt = stmt.where(key > after)
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]

    async def _rewrap_column(
        self, col: CipherColumn, batch_size: int, progress: Progress | None
    ) -> ColumnReport:
        rep = ColumnReport(col.label())
        after: str | None = None
        while True:
            rows = await self._read_batch(col, after, batch_size)
            if not rows:
                break
            after = rows[-1][col.key]
            pending: list[tuple[str, str, str]] = []
            for row in rows:
                rep.scanned += 1
                old = row[col.column]
                try:
                    if not self.vault.needs_rewrap(old):
                        rep.current += 1
                        continue
                    pending.append((row[col.key], old, await self.vault.rewrap(old, col.context(row))))
                except VaultError as exc:
                    rep.failed += 1
                    rep.errors.append(f"{col.label()} {row[col.key]}: {type(exc).__name__}: {exc}")
            if pending:
                await self._write_batch(col, pending, rep)
            if progress is not None:
                progress(rep)
        return rep

    async def _write_batch(
        self, col: CipherColumn, pending: list[tuple[str, str, str]], rep: ColumnReport
    ) -> None:
        table = col.table
        async with self.engine.begin() as conn:
            for key, old, new in pending:
                result = await conn.execute(
                    update(table)
                    .where(and_(table.c[col.key] == key, table.c[col.column] == old))
                    .values({col.column: new})
                )
                if result.rowcount == 1:
                    rep.rewrapped += 1
                else:
                    rep.changed += 1

    async def census(self) -> Counter[tuple[str, int]]:
        """How many stored ciphertexts use each ``(kek_id, version)``."""
        counts: Counter[tuple[str, int]] = Counter()
        for col in self.columns:
            after: str | None = None
            while True:
                rows = await self._read_batch(col, after, 1000)
                if not rows:
                    break
                after = rows[-1][col.key]
                for row in rows:
                    try:
                        counts[self.vault.key_version_of(row[col.column])] += 1
                    except VaultError:
                        counts[("<unreadable>", 0)] += 1
        return counts

    async def retire(self, version: int, kek_id: str | None = None) -> None:
        """Retire a KEK version, refusing while any stored ciphertext still uses it."""
        kid = kek_id or self.vault.kms.key_id
        in_use = (await self.census()).get((kid, version), 0)
        if in_use:
            raise RetireRefused(
                f"KEK {kid} version {version} still protects {in_use} stored secret(s); "
                "run `payhub vault rotate --rewrap-only` first"
            )
        self.vault.retire(version, kek_id)
        log.warning("KEK %s version %d retired", kid, version)
