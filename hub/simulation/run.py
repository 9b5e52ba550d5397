"""Run histories, check them, shrink a failing one, and print (``payhub simulate``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import random
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from hub.simulation import invariants
from hub.simulation.clock import installed
from hub.simulation.history import Step, generate, params
from hub.simulation.steps import Context, execute
from hub.simulation.world import Lab, World, lab_directory, unwrap_crash
from hub.store import tables as t

QUIESCE_ROUNDS = 16  # x 600 virtual seconds: past the resolution deadline (1 h)
MAX_SHRINK_RUNS = 150


@dataclass
class Result:
    seed: int
    steps: list[Step]
    trace: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def invariant(self) -> str | None:
        return self.violations[0].split(":", 1)[0] if self.violations else None


@contextlib.asynccontextmanager
async def open_lab() -> AsyncIterator[Lab]:
    """A lab for a run of histories in this process and event loop (see :class:`Lab`)."""
    with tempfile.TemporaryDirectory(prefix="payhub-sim-", dir=lab_directory()) as tmp:
        template = await make_template(Path(tmp))
        work = Path(tmp) / "work"
        work.mkdir()
        lab = Lab(template, work)
        try:
            yield lab
        finally:
            await lab.close()


async def make_template(directory: Path) -> Path:
    """A migrated database, copied for each history (migrating once is what costs)."""
    from hub.store.db import create_engine, migrate

    path = directory / "template.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    return path


async def run_history(seed: int, steps: list[Step], lab: Lab) -> Result:
    """One history, deterministic in (seed, steps): same input, same trace, same verdict."""
    result = Result(seed, steps)
    fault_rate, lose_rate, webhook_loss, resolve_by = params(seed)
    rng = random.Random(seed)
    world = World(lab, rng, fault_rate=fault_rate, lose_rate=lose_rate, resolve_by=resolve_by)
    with installed(world.clock):
        await world.start()
        try:
            await _drive(world, result, Context(webhook_loss=webhook_loss))
        finally:
            await world.close()
    return result


async def _guarded(world: World, what: Callable[[], object]) -> str | None:
    """Run ``what``; a crash anywhere in it restarts the hub. Returns the crash, if any."""
    try:
        await what()  # type: ignore[misc]
        await world.settle_background()
        await world.jobs.run_until(world.clock.seconds)  # what became due now (inbox, ...)
    except BaseException as exc:
        crash = unwrap_crash(exc)
        if crash is None:
            raise
        await world.crash()
        return str(crash)
    return None


async def _drive(world: World, result: Result, ctx: Context) -> None:
    for index, step in enumerate(result.steps):
        world.rng.seed(step.seed)
        outcome: list[str] = []

        async def one(step: Step = step, index: int = index, outcome: list[str] = outcome) -> None:
            outcome.append(await execute(world, step, index, ctx))

        mark = len(world.transport.trace)
        crash = await _guarded(world, one)
        calls = world.transport.trace[mark:]
        said = outcome[0] if outcome else "-"
        line = f"{index:3} {step.describe()} -> {said}"
        if calls:
            line += " [" + "; ".join(calls) + "]"
        if crash:
            line += f" CRASH {crash}"
        result.trace.append(line)
        broken = invariants.during(world.sim)
        if broken:
            result.violations = broken
            return
    await _quiesce(world, result)
    result.violations = await invariants.after(world.hub.engine, world.sim)


async def _quiesce(world: World, result: Result) -> None:
    """Faults stop; what the PSP sent arrives; time passes until resolution is done."""
    world.transport.enabled = False
    world.jobs.faults_enabled = False
    for _ in range(QUIESCE_ROUNDS):
        world.sim.settle()
        world.collect_webhooks()
        for index in list(world.in_flight):
            world.in_flight.remove(index)
            await world.deliver(index)
        await world.jobs.run_until(world.clock.seconds + 600.0)
        await world.settle_background()
        if not world.in_flight and not await _open(world):
            break
    result.trace.append(f"    resolved at +{world.clock.seconds:g}s, {world.restarts} restarts")


async def _open(world: World) -> int:
    async with world.hub.engine.connect() as conn:
        n = await conn.scalar(
            select(func.count())
            .select_from(t.operations)
            .where(t.operations.c.status.in_(invariants.OPEN_OPS), t.operations.c.requires_review.is_(False))
        )
    return int(n or 0)


async def shrink(result: Result, lab: Lab, budget: int = MAX_SHRINK_RUNS) -> Result:
    """The shortest step sequence found that breaks the same invariant (greedy removal)."""
    best = result
    runs = 0
    chunk = max(1, len(best.steps) // 2)
    while chunk >= 1 and runs < budget:
        i = 0
        shrunk = False
        while i < len(best.steps) and runs < budget:
            candidate = best.steps[:i] + best.steps[i + chunk :]
            if not candidate:
                break
            runs += 1
            attempt = await run_history(best.seed, candidate, lab)
            if attempt.invariant == result.invariant:
                best, shrunk = attempt, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return best


_NOISY = ("payhub", "litestar", "httpx", "sqlalchemy", "alembic", "aiosqlite")


@contextlib.contextmanager
def quiet_logs(enabled: bool = True) -> Iterator[None]:
    """Silence the hub's loggers for the run and give them their levels back afterwards."""
    before = {name: logging.getLogger(name).level for name in _NOISY}
    if enabled:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


async def simulate(
    *, seeds: int, first: int = 0, steps: int = 30, print_: Callable[[str], None] = print,
    verbose: bool = False, shrink_failures: bool = True, shrink_budget: int = MAX_SHRINK_RUNS,
    jobs: int = 1,
) -> int:
    """Run ``seeds`` histories from seed ``first`` (in ``jobs`` processes); print the first
    failure in seed order (shrunk) or the summary. The output does not depend on ``jobs``."""
    with quiet_logs(not verbose):
        return await _simulate(
            seeds=seeds, first=first, steps=steps, print_=print_, verbose=verbose,
            shrink_failures=shrink_failures, shrink_budget=shrink_budget, jobs=jobs,
        )  # fmt: skip


async def _simulate(
    *, seeds: int, first: int, steps: int, print_: Callable[[str], None], verbose: bool,
    shrink_failures: bool, shrink_budget: int, jobs: int,
) -> int:
    total_steps = 0
    ran = 0
    failure: Result | None = None
    async for result in _results(range(first, first + seeds), steps, jobs, verbose):
        ran += 1
        total_steps += len(result.steps)
        if verbose:
            for line in result.trace:
                print_(f"seed {result.seed} {line}")
        if not result.ok:
            failure = result
            break
    if failure is None:
        print_(f"simulated {seeds} histories, {total_steps} steps, 0 violations")
        return 0
    if shrink_failures:
        async with open_lab() as lab:
            failure = await shrink(failure, lab, shrink_budget)
    _report(failure, print_)
    print_(f"simulated {ran} histories, {total_steps} steps, 1 violations")
    return 1


async def _results(seeds: range, steps: int, jobs: int, verbose: bool) -> AsyncIterator[Result]:
    """The histories' results in seed order, each batch stopping at its first violation."""
    if jobs <= 1 or len(seeds) <= BATCH:
        async with open_lab() as lab:
            for seed in seeds:
                result = await run_history(seed, generate(seed, steps), lab)
                yield result
                if not result.ok:
                    return
        return
    batches = [list(seeds[i : i + BATCH]) for i in range(0, len(seeds), BATCH)]
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no loop, no pools inherited
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [loop.run_in_executor(pool, run_batch, batch, steps, verbose) for batch in batches]
        try:
            for future in futures:
                for result in await future:
                    yield result
                    if not result.ok:
                        return
        finally:
            for future in futures:
                future.cancel()


BATCH = 10  # histories per task of a worker process (one lab, one event loop per task)


def run_batch(seeds: list[int], steps: int, verbose: bool) -> list[Result]:
    """In a worker process: run these seeds in order, up to the first violation."""

    async def batch() -> list[Result]:
        out: list[Result] = []
        async with open_lab() as lab:
            for seed in seeds:
                out.append(await run_history(seed, generate(seed, steps), lab))
                if not out[-1].ok:
                    break
        return out

    with quiet_logs(not verbose):
        return asyncio.run(batch())


def _report(result: Result, print_: Callable[[str], None]) -> None:
    print_(f"seed {result.seed}: violated {result.invariant}")
    for v in result.violations:
        print_(f"  {v}")
    print_(f"  shortest failing sequence ({len(result.steps)} steps):")
    for line in result.trace:
        print_(f"  {line}")
    print_(f"  replay: payhub simulate --seed {result.seed}")


def main(seeds: int, first: int, steps: int, verbose: bool, jobs: int = 1) -> int:
    return asyncio.run(simulate(seeds=seeds, first=first, steps=steps, verbose=verbose, jobs=jobs))
