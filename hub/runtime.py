"""The running hub: settings, database, providers, services and jobs wired together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Settings
from hub.domain.errors import NotFound
from hub.jobs.base import JobRunner
from hub.jobs.inprocess import InProcessRunner
from hub.providers import Providers
from hub.reconciliation.schedule import Schedule as ReconciliationSchedule
from hub.reconciliation.service import ReconciliationService
from hub.reconciliation.store import render_run
from hub.security import build_vault, init_vault
from hub.services import representations as rep
from hub.services.accounts import Accounts
from hub.services.api_keys import ApiKeys
from hub.services.audit import AuditLog
from hub.services.deliveries import Deliveries
from hub.services.disputes import DisputeService
from hub.services.housekeeping import Housekeeping
from hub.services.inbox import Inbox
from hub.services.notifications import NotificationPoller
from hub.services.payment_methods import PaymentMethods
from hub.services.payments import Actor, PaymentService
from hub.services.payouts import PayoutService
from hub.services.resolution import Resolver
from hub.services.webhook_endpoints import WebhookEndpoints
from hub.store import gather
from hub.store import tables as t
from hub.store.db import create_engine, migrate
from hub.store.reconciliation_tables import reconciliation_runs
from hub.store.repo import load
from hub.stream.runner import StreamRunner
from hub.telemetry import tracing
from hub.telemetry.gauges import BacklogGauges
from idempotency.store import IdempotencyStore

log = logging.getLogger("payhub")


class Hub:
    def __init__(
        self,
        settings: Settings,
        *,
        engine: AsyncEngine | None = None,
        simulator_options: dict[str, Any] | None = None,
        transport: str = "aiohttp",
    ) -> None:
        self.settings = settings
        self.engine = engine or create_engine(settings.database_url, pool_size=settings.database_pool_size)
        self.providers = Providers(transport=transport, simulator_options=simulator_options)
        self.providers.public_url = settings.public_url or f"http://{settings.host}:{settings.port}"
        self.api_keys = ApiKeys(self.engine)
        self.vault = build_vault(settings.kms)
        self.idempotency = IdempotencyStore(
            self.engine,
            ttl_seconds=settings.idempotency.ttl_hours * 3600,
            lease_seconds=settings.idempotency.lease_seconds,
            raw=gather.RawSql(),  # asyncpg directly on PostgreSQL (the hot path)
        )
        self.payment_methods = PaymentMethods(self.engine, self.vault)
        self.accounts = Accounts(self.engine, self.vault, self.providers)
        self.payments = PaymentService(self.engine, self.providers, settings, self.payment_methods)
        self.payouts = PayoutService(self.engine, self.providers, settings, self.vault, self.payment_methods)
        self.jobs: JobRunner
        if settings.redis_url:
            from hub.jobs.arq_runner import ArqRunner

            self.jobs = ArqRunner(settings.redis_url)
        else:
            self.jobs = InProcessRunner()
        self.resolver = Resolver(
            self.engine, self.providers, settings, self.jobs, methods=self.payment_methods
        )
        self.payments.resolver = self.resolver
        self.payments.on_unknown = self.resolver.on_unknown
        self.payouts.resolver = self.resolver
        self.payouts.on_unknown = self.resolver.on_unknown
        self.resolver.payouts = self.payouts  # to rebuild a payout's transfer for a replay
        self.audit = AuditLog(self.engine)
        self.resolver.audit = self.audit  # admin settle is audited inside its transaction
        self.inbox = Inbox(self.engine, self.providers, self.jobs, settings, nudge=self.resolver.on_unknown)
        self.notifications = NotificationPoller(
            self.engine, self.providers, settings, self.jobs, ingest=self.inbox.ingest
        )
        self.disputes = DisputeService(self.engine, self.providers, self.jobs)
        self.reconciliation = ReconciliationService(
            self.engine, self.providers, self.jobs, settings.reconciliation
        )
        self.reconciliation_schedule = ReconciliationSchedule(self.reconciliation, self.jobs)
        self.webhook_endpoints = WebhookEndpoints(self.engine, self.vault)
        self.deliveries = Deliveries(
            self.engine, self.webhook_endpoints, settings.webhooks, self.jobs, transport=transport
        )
        self.housekeeping = Housekeeping(self.jobs, self.idempotency, settings)
        self.gauges = BacklogGauges(
            self.engine, self.jobs, min_interval=settings.telemetry.backlog_refresh_seconds
        )
        self.stream = StreamRunner(self.engine, settings.events.kafka)  # DESIGN §16
        self.run_event_relay = False  # set by `payhub serve` / `payhub worker` (hub.stream.runner.runs_relay)
        self.tracing = False  # set by start(): [telemetry] otel
        self.started = False

    async def start(self, *, auto_migrate: bool = True) -> None:
        if auto_migrate:
            await migrate(self.engine)
        await init_vault(self.vault, self.engine)
        for i, acct in enumerate(self.settings.accounts):
            self.providers.add(acct, where=f"accounts[{i}]")
        await self.accounts.sync_config(self.settings.accounts)
        self.tracing = tracing.configure(self.settings.telemetry)
        await self.jobs.start()
        if self.run_event_relay:
            self.stream.start()
        self.started = True

    async def stop(self) -> None:
        await self.stream.stop()
        with contextlib.suppress(TimeoutError):  # stored webhooks' jobs (what is left: the sweeper's)
            async with asyncio.timeout(2.0):
                await self.inbox.dispatcher.join()
        await self.jobs.stop()
        await self.deliveries.close()
        await self.providers.close()
        await self.engine.dispose()
        if self.tracing:
            tracing.shutdown()

    async def bootstrap_keys(self) -> str | None:
        """PAYHUB_BOOTSTRAP_API_KEY becomes an admin key; on a first start with no key at all,
        create an admin key and return it (to be printed once)."""
        if self.settings.bootstrap_api_key:
            await self.api_keys.ensure(self.settings.bootstrap_api_key)
            return None
        if await self.api_keys.count() == 0:
            key, _ = await self.api_keys.create(role="admin", name="first-start admin key")
            return key
        return None

    async def current_state(self, actor: Actor, resource_type: str | None, resource_id: str | None) -> Any:
        """What an interrupted idempotent request created, as it stands now."""
        if resource_type is None or resource_id is None:
            raise NotFound("the original request created nothing")
        table, render = {
            "payment": (t.payments, rep.payment),
            "refund": (t.refunds, rep.refund),
            "payout": (t.payouts, rep.payout),
            "reconciliation": (reconciliation_runs, render_run),
        }[resource_type]
        async with self.engine.connect() as conn:
            row = await load(conn, table, resource_id, owner=actor.owner, what=resource_type)
        return render(row)

    async def ready(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(select(1))
        return True
