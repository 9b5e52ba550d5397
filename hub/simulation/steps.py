"""What each kind of step does to the world (one client request, time passing, webhooks
arriving, a crash). Returns a short, id-free description of what happened."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from hub.simulation.faults import Crash
from hub.simulation.history import Step
from hub.simulation.world import World, unwrap_crash
from hub.store import tables as t

CARD = {"exp_month": 12, "exp_year": 2031, "cvc": "123"}


@dataclass
class Context:
    requests: dict[int, tuple[str, str, Any, str]] = field(default_factory=dict)  # step -> request
    webhook_loss: float = 0.0


async def _payment_ids(world: World) -> list[str]:
    async with world.hub.engine.connect() as conn:
        return list((await conn.execute(select(t.payments.c.id).order_by(t.payments.c.id))).scalars())


async def _slot(world: World, slot: int) -> str | None:
    ids = await _payment_ids(world)
    return ids[slot % len(ids)] if ids else None


def _request_of(step: Step, index: int, pid: str | None) -> tuple[str, str, Any, str] | None:
    key = f"sim-{index}"
    if step.kind == "pay":
        body = {
            "amount": step.amount,
            "currency": "EUR",
            "capture": "automatic" if step.automatic else "manual",
            "payment_method": {"type": "card", "card": {**CARD, "number": step.card}},
        }
        return ("POST", "/v1/payments", body, key)
    if step.kind == "payout":
        dest = {"type": "bank_account", "iban": step.card, "name": "Zoe Muller", "country": "DE"}
        return ("POST", "/v1/payouts", {"amount": step.amount, "currency": "EUR", "destination": dest}, key)
    if pid is None:
        return None
    if step.kind == "capture":
        return ("POST", f"/v1/payments/{pid}/capture", {"amount": step.amount} if step.amount else {}, key)
    if step.kind == "void":
        return ("POST", f"/v1/payments/{pid}/void", {}, key)
    if step.kind == "refund":
        return ("POST", f"/v1/payments/{pid}/refunds", {"amount": step.amount} if step.amount else {}, key)
    return None


async def _send(world: World, req: tuple[str, str, Any, str]) -> str:
    r = await world.request(*req)
    code = r.json().get("code") if r.status_code >= 400 else r.json().get("status")
    return f"{r.status_code} {code}"


async def execute(world: World, step: Step, index: int, ctx: Context) -> str:
    kind = step.kind
    if kind in ("pay", "payout", "capture", "void", "refund"):
        pid = None if kind in ("pay", "payout") else await _slot(world, step.slot)
        req = _request_of(step, index, pid)
        if req is None:
            return "skipped (no payment)"
        ctx.requests[index] = req
        return await _send(world, req)
    if kind == "repeat":
        prior = ctx.requests.get(step.target)
        if prior is None:
            return "skipped (nothing to repeat)"
        return await _send(world, prior)
    if kind == "concurrent":
        return await _concurrent(world, step, index, ctx)
    if kind == "advance":
        await world.jobs.run_until(world.clock.seconds + step.seconds)
        world.sim.settle()  # payouts move on the PSP's (virtual) clock
        return "ok"
    if kind == "webhooks":
        return await _webhooks(world, ctx)
    if kind == "crash":
        await world.crash()
        return "restarted"
    raise ValueError(f"unknown step {kind!r}")


async def _concurrent(world: World, step: Step, index: int, ctx: Context) -> str:
    """Two requests on one payment: the first is held just before it reaches the provider
    while the second runs to its end, then the first goes on."""
    pid = await _slot(world, step.slot)
    if pid is None:
        return "skipped (no payment)"
    first_kind, second_kind = (("capture", "void"), ("refund", "refund"))[step.target]
    first = _request_of(Step(first_kind, step.seed, amount=None), index, pid)
    second = _request_of(Step(second_kind, step.seed, amount=200 if second_kind == "refund" else None), index, pid)
    assert first is not None and second is not None
    second = (second[0], second[1], second[2], f"sim-{index}-b")
    ctx.requests[index] = first
    tr = world.transport
    tr.parked.clear()
    tr.release.clear()
    tr.park_next = "/capture" if first_kind == "capture" else "/refunds"
    task = asyncio.ensure_future(_send(world, first))
    parked = asyncio.ensure_future(tr.parked.wait())
    await asyncio.wait({task, parked}, return_when=asyncio.FIRST_COMPLETED)
    tr.park_next = None
    parked.cancel()
    crash: BaseException | None = None
    b = "not sent"
    try:
        b = await _send(world, second)
    except BaseException as exc:
        if unwrap_crash(exc) is None:
            raise
        crash = exc
    finally:
        tr.release.set()
    try:
        a = await task
    except BaseException as exc:
        if unwrap_crash(exc) is None:
            raise
        crash, a = crash or exc, "crash"
    if crash is not None:
        raise Crash(f"during concurrent {first_kind}|{second_kind}") from crash
    return f"{first_kind}: {a} | {second_kind}: {b}"


async def _webhooks(world: World, ctx: Context) -> str:
    """What the PSP sent arrives: some lost, some later, some twice, in any order."""
    world.collect_webhooks()
    pending = list(world.in_flight)
    world.rng.shuffle(pending)
    later: list[int] = []
    counts = {"delivered": 0, "lost": 0, "delayed": 0, "duplicated": 0}
    for index in pending:
        roll = world.rng.random()
        if roll < ctx.webhook_loss:
            counts["lost"] += 1
            world.in_flight.remove(index)
            continue
        if roll < ctx.webhook_loss + 0.2:
            counts["delayed"] += 1
            later.append(index)
            continue
        world.in_flight.remove(index)
        await world.deliver(index)
        counts["delivered"] += 1
        if world.rng.random() < 0.2:
            await world.deliver(index)
            counts["duplicated"] += 1
    return " ".join(f"{k} {v}" for k, v in counts.items() if v) or "none"
