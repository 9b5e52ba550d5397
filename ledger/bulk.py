"""Posting many journal entries at once (reconciliation posts one fee entry per provider line).

:func:`post_many` writes what :func:`ledger.post` would write for each entry — the same ids
(derived from each cause), postings and striped balance totals — in a handful of statements
for the whole batch instead of three per entry: the entries in one multi-row insert that skips
ids already stored (``ON CONFLICT DO NOTHING RETURNING``), then the postings of the entries it
created, then one upsert per (account, currency, stripe) touched, in a fixed order (so two
transactions never take stripes in opposite orders). An entry whose cause was posted before
writes nothing (its stored postings are not compared, unlike :func:`ledger.post`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.chart import Kind
from ledger.posting import Posting, entry_id, stripe_of, validate
from ledger.schema import balances, entries, postings

CHUNK = 1000  # entries per statement


@dataclass(frozen=True, slots=True)
class NewEntry:
    kind: Kind | str
    cause: str
    resource: str | None
    lines: Sequence[Posting]


async def post_many(conn: AsyncConnection, batch: Sequence[NewEntry], *, now: dt.datetime) -> int:
    """Write the entries of ``batch`` not posted before, in the caller's transaction; returns how
    many were created. Each entry is validated first (nothing is written if one is invalid)."""
    todo: dict[str, NewEntry] = {}
    for e in batch:
        validate(e.lines)
        todo.setdefault(entry_id(e.cause), e)  # the same cause twice in a batch: once
    ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(entries)
    stmt = ins.on_conflict_do_nothing(index_elements=["id"]).returning(entries.c.id, entries.c.seq)
    created = 0
    ids = list(todo)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = [
            {"id": eid, "cause": todo[eid].cause, "kind": Kind(todo[eid].kind).value,
             "resource": todo[eid].resource, "created_at": now}
            for eid in chunk
        ]  # fmt: skip
        seqs = {r.id: r.seq for r in (await conn.execute(stmt, rows)).all()}
        if not seqs:
            continue
        created += len(seqs)
        lines = []
        totals: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
        for eid, seq in seqs.items():
            e = todo[eid]
            stripe = stripe_of(e.resource or eid)
            for p in e.lines:
                lines.append(
                    {"entry_seq": seq, "account": p.account, "currency": p.currency, "amount": p.amount}
                )
                totals[(p.account, p.currency, stripe)][0 if p.amount > 0 else 1] += abs(p.amount)
        await conn.execute(insert(postings), lines)
        up = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(balances)
        upsert = up.on_conflict_do_update(
            index_elements=["account", "currency", "stripe"],
            set_={
                "debits": balances.c.debits + up.excluded.debits,
                "credits": balances.c.credits + up.excluded.credits,
            },
        )
        await conn.execute(
            upsert,
            [
                {"account": a, "currency": c, "stripe": s, "debits": d, "credits": k}
                for (a, c, s), (d, k) in sorted(totals.items())
            ],
        )
    return created
