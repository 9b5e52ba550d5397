"""KEK rotation: new writes move to the new version at once; `rotate` re-wraps every stored data
key online (payments keep succeeding meanwhile) and resumably; retiring waits until nothing
uses the old version."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import insert, select

from hub.services.payout_destinations import VAULT_KIND
from hub.services.rotation import CIPHER_COLUMNS, RetireRefused, Rotation
from hub.store import tables as t
from hub.store.repo import utcnow
from vault import Context, RetiredKeyError, Vault
from vault.kms.local import LocalKms

OK_CARD = "4242424242424242"


async def _stored_ciphertexts(engine: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    async with engine.connect() as conn:
        for col in CIPHER_COLUMNS:
            stmt = select(col.table).where(col.table.c[col.column].is_not(None))
            for row in (await conn.execute(stmt)).mappings().all():
                out.append((col.label(), dict(row)))
    return out


async def _seed_other_secrets(hub: Any) -> None:
    """A webhook endpoint secret and a payout destination, encrypted the way their services do."""
    await hub.webhook_endpoints.create(
        "default", url="https://shop.example/hooks", event_types=["payment.captured"]
    )
    now = utcnow()
    blob = await hub.vault.encrypt(
        b'{"iban": "DE89370400440532013000"}', Context("default", VAULT_KIND, "po_seed")
    )
    async with hub.engine.begin() as conn:
        await conn.execute(
            insert(t.payouts).values(
                id="po_seed",
                owner="default",
                account_id="sandbox",
                status="succeeded",
                amount=100,
                currency="EUR",
                destination={"type": "bank_account", "last4": "3000"},
                destination_ciphertext=blob,
                metadata={},
                requires_review=False,
                created_at=now,
                updated_at=now,
            )
        )


async def _decrypt_all(hub: Any) -> int:
    """Decrypt every stored secret with its context (raises if any does not)."""
    from hub.security import FINGERPRINT_KEY

    n = 0
    for label, row in await _stored_ciphertexts(hub.engine):
        col = next(c for c in CIPHER_COLUMNS if c.label() == label)
        value = row[col.column]
        if label == "vault_keys.ciphertext" and row["name"] == FINGERPRINT_KEY:
            await hub.vault.load_fingerprint_key(value)
        else:
            await hub.vault.decrypt(value, col.context(row))
        n += 1
    return n


async def test_rotation_while_payments_run(harness: Any, payment_body: Any) -> None:
    hub = harness.hub
    vault: Vault = hub.vault
    kek = vault.kms.key_id
    tokens = [
        (
            await hub.payment_methods.tokenize(
                "default", {"number": OK_CARD, "exp_month": 12, "exp_year": 2031}
            )
        )["id"]
        for _ in range(30)
    ]
    await _seed_other_secrets(hub)
    made = await harness.post(
        "/v1/admin/accounts",
        {"id": "sim-2", "adapter": "simulator", "credentials": {"api_key": "sim-2-key-000001"}},
    )
    assert made.status_code == 201
    rotation = Rotation(hub.engine, vault)
    before = await rotation.census()
    assert set(before) == {(kek, 1)} and sum(before.values()) >= 34

    assert await rotation.rotate() == 2
    fresh = await hub.payment_methods.tokenize(
        "default", {"number": OK_CARD, "exp_month": 1, "exp_year": 2032}
    )
    assert vault.key_version_of(fresh["ciphertext"]) == (kek, 2)  # new writes at once
    with pytest.raises(RetireRefused, match="version 1 still protects"):
        await rotation.retire(1)

    async def pay_meanwhile() -> list[int]:
        statuses = []
        for i in range(8):
            body = (
                payment_body()
                if i % 2
                else {**payment_body(), "payment_method": {"type": "card", "token": tokens[i]}}
            )
            r = await harness.post("/v1/payments", body)
            statuses.append(r.status_code)
            assert r.json()["status"] == "authorized", r.text
            await asyncio.sleep(0)
        shredded = await harness.client.delete(f"/v1/payment-methods/{tokens[-1]}", headers=harness.headers())
        statuses.append(shredded.status_code)
        return statuses

    statuses, report = await asyncio.gather(pay_meanwhile(), rotation.rewrap_all(batch_size=4))
    assert all(s in (200, 201) for s in statuses)
    assert report.failed == 0 and report.rewrapped >= 33

    census = await rotation.census()
    assert set(census) == {(kek, 2)}, census  # everything moved, including what payments wrote meanwhile
    assert await _decrypt_all(hub) == sum(census.values())
    again = await rotation.rewrap_all(batch_size=50)  # resumable / idempotent: nothing left to do
    assert again.rewrapped == 0 and sum(c.current for c in again.columns) == sum(census.values())

    await rotation.retire(1)
    old_style = await Vault(LocalKms(hub.settings.kms.key_file)).encrypt(b"x", Context("o", "card", "pm_x"))
    assert vault.key_version_of(old_style) == (kek, 2)
    for token in tokens[:3]:  # cards re-wrapped under version 2 still pay
        r = await harness.post(
            "/v1/payments", {**payment_body(), "payment_method": {"type": "card", "token": token}}
        )
        assert r.json()["status"] == "authorized", r.text
    assert (await harness.get("/v1/admin/accounts/sim-2")).status_code == 200


async def test_rewrap_refuses_a_ciphertext_moved_to_another_row(harness: Any) -> None:
    hub = harness.hub
    a = await hub.payment_methods.tokenize("default", {"number": OK_CARD, "exp_month": 12, "exp_year": 2031})
    b = await hub.payment_methods.tokenize("default", {"number": OK_CARD, "exp_month": 12, "exp_year": 2031})
    async with hub.engine.begin() as conn:  # an attacker swaps card a's ciphertext into row b
        await conn.execute(
            t.payment_methods.update()
            .where(t.payment_methods.c.id == b["id"])
            .values(ciphertext=a["ciphertext"])
        )
    rotation = Rotation(hub.engine, hub.vault)
    await rotation.rotate()
    report = await rotation.rewrap_all()
    cards = next(c for c in report.columns if c.label == "payment_methods.ciphertext")
    assert cards.failed == 1 and b["id"] in cards.errors[0]
    async with hub.engine.connect() as conn:
        kept = await conn.scalar(
            select(t.payment_methods.c.ciphertext).where(t.payment_methods.c.id == b["id"])
        )
    assert kept == a["ciphertext"]  # not laundered into a valid-looking version-2 ciphertext


async def test_cli_vault_rotate(harness: Any, capsys: Any) -> None:
    from hub.cli import main as cli_main

    hub = harness.hub
    await hub.payment_methods.tokenize("default", {"number": OK_CARD, "exp_month": 12, "exp_year": 2031})
    env = {
        "PAYHUB_DATABASE_URL": hub.settings.database_url,
        "PAYHUB_MASTER_KEY_FILE": str(hub.settings.kms.key_file),
    }

    def run(*argv: str) -> int:
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            return cli_main(["vault", "rotate", *argv])

    assert await asyncio.to_thread(run, "--batch-size", "1") == 0
    out = capsys.readouterr().out
    assert "new version 2" in out and "payment_methods.ciphertext: scanned 1, re-wrapped 1" in out
    assert "version 2" in out.splitlines()[-1] and "version 1" not in out.split("in use:")[-1]

    assert await asyncio.to_thread(run, "--rewrap-only", "--retire", "1") == 0
    assert "version 1 retired" in capsys.readouterr().out
    fresh = Vault(LocalKms(hub.settings.kms.key_file))
    with pytest.raises(RetiredKeyError):
        fresh.kms.check_version(1)
    assert await asyncio.to_thread(run, "--rewrap-only", "--retire", "2") == 1  # current: refused


def test_cli_vault_rotate_with_aws_kms_creates_no_key_only_one_process_would_know(
    tmp_path: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.cli import main as cli_main

    config = tmp_path / "payhub.toml"
    config.write_text(
        '[kms]\nbackend = "aws-kms"\nkey_id = "payhub"\n'
        'aws_key_ids = ["arn:aws:kms:eu-west-1:111122223333:key/v1"]\nregion = "eu-west-1"\n'
    )
    monkeypatch.setenv("PAYHUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert cli_main(["--config", str(config), "vault", "rotate"]) == 2
    err = capsys.readouterr().err
    assert "aws_key_ids" in err and "--rewrap-only" in err
