"""Disputes (chargebacks, DESIGN §12): read, list, answer with evidence, accept; evidence reminders.

Disputes are created and moved by provider news (:mod:`hub.services.dispute_outcomes`, fed by
the inbox). The merchant's two actions go to the account's adapter and then apply the
provider's answer through the same function, in one transaction with the dispute row locked:

* ``POST /v1/disputes/{id}/evidence`` (``{"text", "submit"}``): adapters declaring
  ``Capability.DISPUTE_EVIDENCE``; any other answers 422 ``not_supported`` and changes nothing.
* ``POST /v1/disputes/{id}/accept``: adapters declaring ``Capability.DISPUTE_ACCEPT``.

Both are allowed only while the dispute can still be answered (``DISPUTE_ACTIONS``: inquiry,
needs_response); otherwise 409 ``invalid_state``. Neither moves money by itself and the
provider takes the same evidence or acceptance twice without harm, so there is no write-ahead
operation: a provider refusal is a 422 ``provider_rejected`` (nothing changed), an unknown
outcome a 502 ``provider_unavailable`` (try again; the provider's news settles it too).

Visibility: a dispute belongs to its payment's owner. One whose payment the hub does not know
has no owner; it is listed to admin keys only (``payment: null``) until news attaches it.

Lookups: ``GET /v1/disputes/{id}?refresh=true`` asks the provider (adapters with
``lookup_dispute``: Stripe, the simulator) and applies the answer like any news.

Reminders: the periodic job ``remind_dispute_evidence`` (every ``remind_interval`` seconds)
emits ``dispute.evidence_due_soon`` once per due date for each open dispute whose
``evidence_due_by`` is less than ``remind_before`` away.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Capability, InvalidRequest, NotSupported
from adapters.disputes import DisputeCallError, DisputeEvidenceRequest, DisputeNews, DisputeRequest
from hub.domain.errors import NotFound, NotSupportedByAccount, ProblemError, Unprocessable
from hub.domain.states import OPEN_DISPUTES, DisputeStatus, check_dispute_action
from hub.jobs.base import JobRunner
from hub.providers import ProviderAccount, Providers
from hub.services.api_keys import Role
from hub.services.dispute_outcomes import apply_news, render
from hub.services.payments import Actor, Result
from hub.services.resolution import SupportsPeriodic
from hub.store.dispute_tables import disputes
from hub.store.lists import list_page
from hub.store.repo import Row, add_event, iso, update_row, utcnow

log = logging.getLogger("payhub.disputes")

REMIND_JOB = "remind_dispute_evidence"
REMIND_INTERVAL = 900.0  # seconds between reminder sweeps
REMIND_BEFORE = dt.timedelta(hours=48)  # how long before evidence_due_by the reminder goes out
MAX_EVIDENCE = 150_000  # characters (Stripe's limit for all text evidence together)


class ProviderUnavailable(ProblemError):
    status = 502
    code = "provider_unavailable"
    title = "The provider's answer is not known"


class DisputeService:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        jobs: JobRunner,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        remind_interval: float = REMIND_INTERVAL,
        remind_before: dt.timedelta = REMIND_BEFORE,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.clock = clock
        self.remind_before = remind_before
        jobs.register(REMIND_JOB, self._remind_job)
        if isinstance(jobs, SupportsPeriodic):
            jobs.every(REMIND_JOB, remind_interval)

    # ------------------------------------------------------------------ read
    @staticmethod
    def _visible(actor: Actor | None) -> ColumnElement[bool] | None:
        if actor is None:
            return None
        mine = disputes.c.owner == actor.owner
        if actor.role == Role.ADMIN.value:
            return or_(mine, disputes.c.owner.is_(None))
        return mine

    async def _load(self, actor: Actor | None, dispute_id: str) -> Row:
        stmt = select(disputes).where(disputes.c.id == dispute_id)
        visible = self._visible(actor)
        if visible is not None:
            stmt = stmt.where(visible)
        async with self.engine.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        if row is None:
            raise NotFound(f"no dispute {dispute_id!r}")
        return dict(row)

    async def get(self, actor: Actor | None, dispute_id: str) -> dict[str, Any]:
        return render(await self._load(actor, dispute_id))

    async def refresh(self, actor: Actor | None, dispute_id: str) -> dict[str, Any]:
        """Ask the provider now (``GET /v1/disputes/{id}?refresh=true``) and apply what it says.
        Best effort: a provider that cannot be asked, or does not answer, leaves it as stored."""
        row = await self._load(actor, dispute_id)
        provider = self.providers.get(row["account_id"])
        request = DisputeRequest(
            dispute_id=row["id"],
            provider_reference=row["provider_reference"],
            payment_reference=row["payment_reference"],
        )
        try:
            async with asyncio.timeout(provider.call_deadline):
                news = await provider.adapter.lookup_dispute(request)
        except (NotSupported, DisputeCallError, InvalidRequest, TimeoutError) as exc:
            log.info("dispute %s not refreshed from %s: %s", row["id"], provider.id, exc or type(exc).__name__)
            return render(row)
        return await self._apply(row, news, "lookup", {})

    async def list(
        self,
        actor: Actor,
        *,
        cursor: str | None,
        limit: int,
        status: str | None = None,
        payment: str | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        d = disputes.c
        filters: list[ColumnElement[bool]] = []
        visible = self._visible(actor)
        if visible is not None:
            filters.append(visible)
        if status:
            filters.append(d.status == status)
        if payment:
            filters.append(d.payment_id == payment)
        if account:
            filters.append(d.account_id == account)
        return await list_page(self.engine, disputes, None, filters, cursor, limit, render)

    # ------------------------------------------------------------------ act
    async def submit_evidence(self, actor: Actor, dispute_id: str, text: str, submit: bool) -> Result:
        if not text.strip():
            raise Unprocessable("evidence text is empty", code="validation_error", field="text")
        if len(text) > MAX_EVIDENCE:
            raise Unprocessable(
                f"evidence text is longer than {MAX_EVIDENCE} characters", code="validation_error", field="text"
            )
        row = await self._load(actor, dispute_id)
        provider = self._provider(row, Capability.DISPUTE_EVIDENCE, "take dispute evidence")
        check_dispute_action(DisputeStatus(row["status"]), "evidence")
        request = DisputeEvidenceRequest(
            dispute_id=row["id"],
            provider_reference=row["provider_reference"],
            payment_reference=row["payment_reference"],
            text=text,
            submit=submit,
        )
        news = await self._call(provider, "evidence", provider.adapter.submit_dispute_evidence(request))
        evidence = {"text": text, "submitted": submit, "at": iso(self.clock())}
        return Result(200, await self._apply(row, news, "evidence", {"evidence": evidence}))

    async def accept(self, actor: Actor, dispute_id: str) -> Result:
        row = await self._load(actor, dispute_id)
        provider = self._provider(row, Capability.DISPUTE_ACCEPT, "accept disputes")
        check_dispute_action(DisputeStatus(row["status"]), "accept")
        request = DisputeRequest(
            dispute_id=row["id"],
            provider_reference=row["provider_reference"],
            payment_reference=row["payment_reference"],
        )
        news = await self._call(provider, "accept", provider.adapter.accept_dispute(request))
        return Result(200, await self._apply(row, news, "accept", {}))

    def _provider(self, row: Row, capability: Capability, what: str) -> ProviderAccount:
        provider = self.providers.get(row["account_id"])
        if not provider.supports(capability):
            raise NotSupportedByAccount(
                f"account {provider.id!r} ({provider.adapter.name}) cannot {what} through its API"
            )
        return provider

    @staticmethod
    async def _call(provider: ProviderAccount, what: str, call: Any) -> DisputeNews:
        try:
            async with asyncio.timeout(provider.call_deadline):
                news: DisputeNews = await call
        except NotSupported as exc:
            raise NotSupportedByAccount(f"account {provider.id!r} does not support {exc}") from None
        except InvalidRequest as exc:
            raise Unprocessable(str(exc), code=exc.code, field=exc.field) from None
        except DisputeCallError as exc:
            if exc.definite:
                raise Unprocessable(
                    f"the provider refused the dispute {what}: {exc}",
                    code="provider_rejected",
                    extra={"provider_code": exc.provider_code} if exc.provider_code else None,
                ) from None
            raise ProviderUnavailable(f"the dispute {what} may not have reached the provider: {exc}") from None
        except TimeoutError:
            raise ProviderUnavailable(f"the provider did not answer the dispute {what} in time") from None
        return news

    async def _apply(self, row: Row, news: DisputeNews, source: str, extra: dict[str, Any]) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            applied = await apply_news(conn, row["account_id"], news, source=source, now=self.clock(), extra=extra)
        return render(applied.dispute)

    # ------------------------------------------------------------------ reminders
    async def _remind_job(self) -> None:
        await self.remind_due()

    async def remind_due(self, *, limit: int = 500) -> builtins.list[str]:
        """Emit ``dispute.evidence_due_soon`` for open disputes due within ``remind_before``
        (once per due date: ``reminded_at`` is set in the event's transaction)."""
        now = self.clock()
        d = disputes.c
        due = (
            select(disputes)
            .where(
                d.status.in_([s.value for s in OPEN_DISPUTES]),
                d.owner.is_not(None),
                d.evidence_due_by.is_not(None),
                d.evidence_due_by <= now + self.remind_before,
                d.evidence_due_by > now,
                d.reminded_at.is_(None),  # reset when the due date changes
            )
            .order_by(d.evidence_due_by)
            .limit(limit)
        )
        reminded: builtins.list[str] = []
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            for found in (await conn.execute(due)).mappings().all():
                row = dict(found)
                await update_row(conn, disputes, row["id"], {"reminded_at": now})
                await add_event(
                    conn,
                    owner=row["owner"],
                    type="dispute.evidence_due_soon",
                    resource_id=row["id"],
                    data={"object": render(row)},
                    now=now,
                )
                reminded.append(row["id"])
        if reminded:
            log.info("evidence due soon: %d dispute(s) reminded", len(reminded))
        return reminded


__all__ = ["REMIND_JOB", "DisputeService", "ProviderUnavailable"]
