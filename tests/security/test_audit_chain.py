"""The audit log's hash chain: verify passes on an honest log and names the first broken link
after an edit or a deletion; the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hub.cli import main as cli_main
from hub.services.audit import GENESIS_HASH, AuditEntry, AuditLog


def _entry(i: int, **kw: Any) -> AuditEntry:
    return AuditEntry(
        action="payment.capture",
        success=True,
        actor_key_id="key_test",
        actor_owner="default",
        resource_type="payment",
        resource_id=f"pay_{i}",
        before={"status": "authorized", "amount": 1000 + i},
        after={"status": "captured", "amount": 1000 + i},
        request_id=f"req-{i}",
        source_ip="10.0.0.1",
        **kw,
    )


async def _fill(audit: AuditLog, n: int) -> list[dict[str, Any]]:
    return [await audit.append(_entry(i)) for i in range(n)]


async def test_chain_links_every_record_and_verifies(harness: Any) -> None:
    audit: AuditLog = harness.hub.audit
    written = await _fill(audit, 5)
    assert written[0]["prev_hash"] == GENESIS_HASH
    for prev, rec in itertools.pairwise(written):
        assert rec["prev_hash"] == prev["hash"]
        assert rec["seq"] == prev["seq"] + 1
    result = await audit.verify(batch=2)  # several pages
    assert result.ok and result.records == 5
    assert result.head_hash == written[-1]["hash"]
    assert result.describe() == "ok: 5 records"


async def test_concurrent_appends_never_fork_the_chain(harness: Any, audit_records: Any) -> None:
    audit: AuditLog = harness.hub.audit
    await asyncio.gather(*(audit.append(_entry(i)) for i in range(20)))
    rows = await audit_records(harness.hub.engine)
    assert [r["seq"] for r in rows] == list(range(1, 21))
    assert len({r["prev_hash"] for r in rows}) == 20  # no two records claim the same predecessor
    assert (await audit.verify()).ok


async def test_writers_in_several_processes_and_in_transactions_never_fork_the_chain(
    harness: Any, audit_records: Any
) -> None:
    """Three API processes' group commits (each its own AuditLog and engine pool on the same
    database; on PostgreSQL they append without a transaction and re-chain when another writer
    went first) and records written inside callers' transactions (the locked path), all at once."""
    from hub.store.db import create_engine

    engines = [create_engine(harness.hub.settings.database_url) for _ in range(2)]
    logs = [harness.hub.audit, *(AuditLog(e) for e in engines)]

    async def in_transaction(i: int) -> None:
        async with harness.hub.engine.begin() as conn:
            await harness.hub.audit.append_in(conn, _entry(1000 + i))

    try:
        await asyncio.gather(
            *(logs[i % 3].append(_entry(i)) for i in range(60)),
            *(in_transaction(i) for i in range(10)),
        )
    finally:
        for e in engines:
            await e.dispose()
    rows = await audit_records(harness.hub.engine)
    assert [r["seq"] for r in rows] == list(range(1, 71))
    assert len({r["prev_hash"] for r in rows}) == 70
    assert (await harness.hub.audit.verify()).ok


async def test_a_process_whose_known_head_is_stale_chains_on_the_real_one(
    harness: Any, audit_records: Any
) -> None:
    """Each process remembers the head it appended last instead of reading it every time; when
    another process (or a locked in-transaction writer) appended since, the batch is refused by
    the primary key and chained again on the real head: turns alternate, the chain never forks."""
    from hub.store.db import create_engine

    other_engine = create_engine(harness.hub.settings.database_url)
    ours, other = harness.hub.audit, AuditLog(other_engine)
    try:
        for i in range(6):
            await (ours if i % 2 == 0 else other).append(_entry(i))
        async with harness.hub.engine.begin() as conn:
            await other.append_in(conn, _entry(100))
        await ours.append(_entry(101))
        await other.append(_entry(102))
    finally:
        await other_engine.dispose()
    rows = await audit_records(harness.hub.engine)
    assert [r["seq"] for r in rows] == list(range(1, 10))
    assert [r["resource_id"] for r in rows] == [*(f"pay_{i}" for i in range(6)), "pay_100", "pay_101", "pay_102"]
    for prev, rec in itertools.pairwise(rows):
        assert rec["prev_hash"] == prev["hash"]
    assert (await ours.verify()).ok


async def test_edited_record_is_caught(harness: Any, tamper: Any) -> None:
    audit: AuditLog = harness.hub.audit
    written = await _fill(audit, 5)
    victim = written[2]
    await tamper(
        harness.hub.engine,
        "UPDATE audit_log SET actor_key_id = :who WHERE seq = :seq",
        {"who": "key_somebody_else", "seq": victim["seq"]},
    )
    result = await audit.verify()
    assert not result.ok
    assert (result.broken_seq, result.broken_id) == (victim["seq"], victim["id"])
    assert "altered" in (result.reason or "")
    assert result.describe().startswith(f"broken: record seq={victim['seq']} id={victim['id']}")


async def test_edit_with_recomputed_hash_is_caught_at_the_next_link(harness: Any, tamper: Any) -> None:
    from hub.services.audit import record_hash

    audit: AuditLog = harness.hub.audit
    written = await _fill(audit, 4)
    victim = dict(written[1])
    victim["success"] = False
    forged = record_hash(victim)
    await tamper(
        harness.hub.engine,
        "UPDATE audit_log SET success = :s, hash = :h WHERE seq = :seq",
        {"s": False, "h": forged, "seq": victim["seq"]},
    )
    result = await audit.verify()
    assert not result.ok
    assert result.broken_seq == written[2]["seq"]
    assert "prev_hash" in (result.reason or "")


@pytest.mark.parametrize("position", [0, 2])
async def test_deleted_record_is_caught(harness: Any, tamper: Any, position: int) -> None:
    audit: AuditLog = harness.hub.audit
    written = await _fill(audit, 5)
    gone = written[position]
    await tamper(harness.hub.engine, "DELETE FROM audit_log WHERE seq = :seq", {"seq": gone["seq"]})
    result = await audit.verify()
    assert not result.ok
    assert result.broken_seq == written[position + 1]["seq"]
    assert f"seq {gone['seq']} deleted" in (result.reason or "")


async def test_the_database_refuses_update_and_delete(harness: Any) -> None:
    audit: AuditLog = harness.hub.audit
    await _fill(audit, 2)
    for statement in ("UPDATE audit_log SET success = false", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with harness.hub.engine.begin() as conn:
                await conn.execute(text(statement))
    assert (await audit.verify()).records == 2


async def test_cli_audit_verify(harness: Any, tamper: Any, capsys: Any) -> None:
    audit: AuditLog = harness.hub.audit
    written = await _fill(audit, 3)
    env = {"PAYHUB_DATABASE_URL": harness.hub.settings.database_url}

    def run() -> int:
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            return cli_main(["audit", "verify"])

    assert await asyncio.to_thread(run) == 0
    assert capsys.readouterr().out.splitlines()[0] == "ok: 3 records"

    await tamper(harness.hub.engine, "DELETE FROM audit_log WHERE seq = :seq", {"seq": written[1]["seq"]})
    assert await asyncio.to_thread(run) == 1
    out = capsys.readouterr().out
    assert f"seq={written[2]['seq']}" in out and "deleted" in out
