"""One history's world: a hub on a temporary SQLite file, the simulated PSP in process
(it outlives hub restarts: it is the provider), virtual time and jobs, and the webhooks
the PSP has sent that the hub has not seen yet."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec

from adapters.base import Adapter, OperationKind, Strategy
from adapters.simulator.app import SimulatorState, create_app, sim_state
from hub.config import load_settings
from hub.providers import ProviderAccount
from hub.simulation.clock import VirtualClock, set_clocks
from hub.simulation.faults import Crash, SimTransport
from hub.simulation.jobs import VirtualJobs

ACCOUNT = "sandbox"
ADMIN_KEY = "phk_simulation_admin_key_0123456789"
API_KEY = "sk_sim_simulation"
WEBHOOK_SECRET = "whsec_c2ltdWxhdGlvbi1zaW11bGF0aW9uLXNlY3JldA=="

# production's schedule, a short deadline (virtual time is free, sweeps are not)
CONFIG = f"""
[[accounts]]
id = "{ACCOUNT}"
adapter = "simulator"
base_url = "http://simulator.invalid"  # never dialled: the history puts the PSP in process
[accounts.credentials]
api_key = "{API_KEY}"
webhook_secret = "{WEBHOOK_SECRET}"
[accounts.timeouts]
connect = 0.5
read = 1.0

[resolution]
deadline_hours = 1.0
schedule = [2.0, 10.0, 60.0, 300.0, 900.0]
sweep_interval = 120.0
lease_margin = 10.0

[notifications]
poll_interval = 300.0

[webhooks]
dispatch_interval = 600.0  # no endpoint is subscribed: the outbox is checked in the events table
"""


class Lab:
    """What the histories run in one process share, because building it is what costs: the
    migrated template database, one working directory (in memory when ``/dev/shm`` exists:
    the simulated crashes are the process's, never the disk's), one SQLAlchemy engine on it
    (its compiled-statement cache survives restarts and histories; each restart and each
    history starts from a disposed pool, so no connection outlives a crash) and the hub's
    ASGI app (handlers find the hub in ``app.state.hub``, set at every start)."""

    def __init__(self, template: Path, workdir: Path) -> None:
        self.template = template
        self.workdir = workdir
        self.db = workdir / "payhub.db"
        self.engine: Any = None
        self.app: Any = None

    def reset(self) -> None:
        """A fresh installation: the template's schema, no key file, nothing else."""
        for name in ("payhub.db", "payhub.db-wal", "payhub.db-shm", "payhub.db-journal", "payhub.key"):
            with contextlib.suppress(FileNotFoundError):
                (self.workdir / name).unlink()
        shutil.copyfile(self.template, self.db)
        (self.workdir / "payhub.toml").write_text(CONFIG)

    def engine_for(self, url: str) -> Any:
        from hub.store.db import create_engine

        if self.engine is None:
            self.engine = create_engine(url)
        return self.engine

    def app_for(self, hub: Any) -> Any:
        from hub.api.app import create_app as create_hub_app

        if self.app is None:
            self.app = create_hub_app(hub, manage_lifecycle=False)
        self.app.state.hub = hub
        return self.app

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None


def lab_directory() -> str | None:
    """Where a lab's working directory goes: memory when the machine has it."""
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp directory inside it
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


class World:
    def __init__(self, lab: Lab, rng: random.Random, *, fault_rate: float, lose_rate: float,
                 resolve_by: str = "lookup") -> None:
        lab.reset()
        self.lab = lab
        self.workdir = lab.workdir
        self.db = lab.db
        self.resolve_by = resolve_by
        self.rng = rng
        self.clock = VirtualClock()
        self.jobs = VirtualJobs(self.clock, rng, lose_rate=lose_rate)
        self.sim_app = create_app(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
        self.sim: SimulatorState = sim_state(self.sim_app)
        self.sim.now = self.clock.epoch_seconds  # type: ignore[method-assign]
        self.sim.dispute_desk._now = self.clock.epoch_seconds
        inner = httpx.ASGITransport(app=self.sim_app)  # type: ignore[arg-type]
        self.transport = SimTransport(inner, rng, fault_rate)
        self.transport.advance = lambda seconds: self.clock.advance_to(self.clock.seconds + seconds)
        self.webhooks_seen = 0  # PSP events taken into the "in the network" list
        self.in_flight: list[int] = []  # indexes of PSP events not delivered yet
        self.hub: Any = None
        self.client: httpx.AsyncClient | None = None
        self.restarts = 0

    def settings(self) -> Any:
        env = {
            "PAYHUB_DATABASE_URL": f"sqlite+aiosqlite:///{self.db}",
            "PAYHUB_MASTER_KEY_FILE": str(self.workdir / "payhub.key"),
            "PAYHUB_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "PAYHUB_LOG_FORMAT": "text",
        }
        return load_settings(self.workdir / "payhub.toml", environ=env)

    async def start(self) -> None:
        import hub.providers as providers_module
        import hub.runtime as runtime
        import hub.services.deliveries as deliveries_module

        # the hub's services register their jobs with the runner the Hub builds: make it ours;
        # and its HTTP clients get a transport that dials nothing (the provider's client is
        # replaced below; no webhook endpoint is subscribed) instead of a TLS context each
        with contextlib.ExitStack() as patches:
            patches.enter_context(_patched(runtime, "InProcessRunner", lambda: self.jobs))
            for module in (providers_module, deliveries_module):
                patches.enter_context(_patched(module, "make_transport", _nowhere))
            settings = self.settings()
            hub = runtime.Hub(settings, engine=self.lab.engine_for(settings.database_url))
        set_clocks(hub, self.clock)
        await hub.start(auto_migrate=False)
        await hub.bootstrap_keys()
        provider = hub.providers.get(ACCOUNT)
        client = httpx.AsyncClient(
            base_url=provider.account.base_url, timeout=provider.client.timeout, transport=self.transport
        )
        await provider.client.aclose()
        adapter_class = type(provider.adapter)
        if self.resolve_by == "replay":
            adapter_class = replay_first(adapter_class)
        adapter = adapter_class(provider.account, client)
        hub.providers._accounts[ACCOUNT] = ProviderAccount(
            account=provider.account, adapter=adapter, client=client, in_process_app=self.sim_app
        )
        # the dispatcher's linger is real time: which rows share a job (one virtual job, one
        # draw of the job-loss fault) would depend on how fast this machine runs. No linger, and
        # every delivery's job enqueued before the next step (deliver): the same jobs every run
        hub.inbox.dispatcher.linger = 0
        self.hub = hub
        app = self.lab.app_for(hub)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")  # type: ignore[arg-type]

    async def crash(self) -> None:
        """The process dies: queued jobs and in-flight work are gone; restart from the DB."""
        await self._shutdown()
        self.restarts += 1
        await self.start()

    async def close(self) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        if self.hub is None:
            return
        for task in list(self.hub.resolver._background):
            task.cancel()
        await asyncio.gather(*list(self.hub.resolver._background), return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
        self.transport.park_next = None
        await self.hub.jobs.stop()
        await self.hub.deliveries.close()
        # the provider client's transport is shared across restarts: close only the pools (the
        # engine is the lab's: disposed, it opens new connections for the next start)
        await self.hub.engine.dispose()
        self.hub = None

    async def settle_background(self) -> None:
        """Let the resolver's enqueue tasks (spawned by on_unknown) finish."""
        while self.hub is not None and self.hub.resolver._background:
            await asyncio.gather(*list(self.hub.resolver._background), return_exceptions=True)

    # ---------------------------------------------------------------- requests
    async def request(self, method: str, path: str, body: Any = None, key: str | None = None) -> httpx.Response:
        assert self.client is not None
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.client.request(method, path, json=body, headers=headers)

    # ---------------------------------------------------------------- webhooks
    def collect_webhooks(self) -> None:
        while self.webhooks_seen < len(self.sim.events):
            self.in_flight.append(self.webhooks_seen)
            self.webhooks_seen += 1

    async def deliver(self, index: int) -> int:
        assert self.client is not None
        event = self.sim.events[index]
        headers = {**self.sim.sign(event.id, event.body), "content-type": "application/json"}
        r = await self.client.post(f"/v1/webhooks/{ACCOUNT}", content=event.body, headers=headers)
        assert self.hub is not None
        await self.hub.inbox.dispatcher.join()  # its job enqueued now (see start)
        return r.status_code


@contextlib.contextmanager
def _patched(module: Any, name: str, value: Any) -> Iterator[None]:
    original = module.__dict__[name]
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


class _Nowhere(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("the simulation dials nothing", request=request)


def _nowhere(*args: Any, **kwargs: Any) -> httpx.AsyncBaseTransport:
    return _Nowhere()


def replay_first(adapter_class: type[Adapter]) -> type[Adapter]:
    """The simulator adapter resolving captures, voids, refunds and payouts as Stripe and Adyen
    accounts do: replay the request under its idempotency key first, then look it up."""
    caps = adapter_class.capabilities
    resolution = {
        kind: (Strategy.REPLAY, Strategy.LOOKUP) if kind in _REPLAYED else strategies
        for kind, strategies in caps.resolution.items()
    }
    return type(f"ReplayFirst{adapter_class.__name__}", (adapter_class,), {
        "capabilities": msgspec.structs.replace(caps, resolution=resolution),
    })  # fmt: skip


_REPLAYED = frozenset({OperationKind.CAPTURE, OperationKind.VOID, OperationKind.REFUND, OperationKind.PAYOUT})


def unwrap_crash(exc: BaseException) -> Crash | None:
    if isinstance(exc, Crash):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = unwrap_crash(inner)
            if found is not None:
                return found
    cause = exc.__cause__ or exc.__context__
    with contextlib.suppress(Exception):
        if cause is not None and cause is not exc:
            return unwrap_crash(cause)
    return None
