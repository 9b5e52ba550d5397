"""Targets (adapter × fake|sandbox) and the harness a scenario drives.

A :class:`Target` says what to run against and, when it cannot run, why:
``skip`` (no fake yet, no sandbox credentials) or ``error`` (the adapter or its
fake failed to load: every scenario of that target fails, the others run).

A :class:`Harness` is one provider world for one scenario: the adapter on an
``httpx.AsyncClient`` whose transport is a :class:`FaultTransport` around the
fake's ASGI app (or the real network for a sandbox), plus helpers that build
requests and drive ambiguous outcomes to a definite answer the way the hub
would (lookup / replay / webhook, with ``fake.advance()`` for provider time).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, TypedDict

import httpx
import pytest

from adapters import registry
from adapters.base import (
    Adapter,
    AuthenticateRequest,
    AuthorizeRequest,
    BankAccount,
    Capabilities,
    Capability,
    CaptureRequest,
    LookupRequest,
    NotSupported,
    OperationKind,
    Outcome,
    OutcomeStatus,
    PaymentMethod,
    PayoutRequest,
    ProviderEvent,
    RefundRequest,
    Strategy,
    ThreeDS,
    VoidRequest,
)
from contract_tests.faults import FaultTransport
from contract_tests.sandbox import profile

log = logging.getLogger(__name__)

FAKE = "fake"
SANDBOX = "sandbox"
TARGET_KINDS = (FAKE, SANDBOX)
FAKES_PACKAGE = "contract_tests.fakes"
FAKES_GROUP = "payhub.contract_fakes"  # external packages: name = "module:Fake"
RETURN_URL = "https://shop.example/return"
# provider time the harness lets pass while waiting for a final answer
ADVANCE_STEPS = (0.0, 5.0, 60.0, 3600.0, 86400.0, 3 * 86400.0)


# tests of the suite itself point the sandbox target at an in-memory server; None = the network
SANDBOX_TRANSPORT: Callable[[str], httpx.AsyncBaseTransport | None] | None = None

# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    adapter: str
    kind: str  # "fake" | "sandbox"
    skip: str | None = None
    error: str | None = None

    @property
    def id(self) -> str:
        return f"{self.adapter}-{self.kind}"

    def __str__(self) -> str:
        return self.id


def load_fake_class(adapter: str) -> type[Any] | None:
    """The ``Fake`` class for ``adapter``; None when there is none. Raises when it is broken."""
    for ep in _fake_entry_points():
        if ep.name == adapter:
            obj = ep.load()
            return obj if isinstance(obj, type) else getattr(obj, "Fake", None)
    modname = f"{FAKES_PACKAGE}.{adapter}"
    try:
        module = importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name in (modname, FAKES_PACKAGE):
            return None
        raise
    fake = getattr(module, "Fake", None)
    if fake is None:
        raise AttributeError(f"{modname} has no class Fake")
    return fake if isinstance(fake, type) else None


def _fake_entry_points() -> list[Any]:
    try:
        return list(entry_points(group=FAKES_GROUP))
    except Exception:
        return []


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def selected_adapters(names: Iterable[str] | None) -> list[str]:
    """Explicit names, or every adapter the registry knows (broken ones included)."""
    wanted = [n for n in (names or []) if n]
    if wanted:
        return list(dict.fromkeys(wanted))
    known = set(registry.available()) | set(registry.errors())
    return sorted(known)


def resolve_targets(adapters: Iterable[str] | None, target: str = FAKE) -> list[Target]:
    if target not in (*TARGET_KINDS, "all"):
        raise ValueError(f"--target must be fake, sandbox or all (got {target!r})")
    kinds = TARGET_KINDS if target == "all" else (target,)
    out: list[Target] = []
    for name in selected_adapters(adapters):
        try:
            registry.get(name)
            adapter_error = None
        except Exception as exc:
            adapter_error = str(exc)
        for kind in kinds:
            if adapter_error:
                out.append(Target(name, kind, error=adapter_error))
                continue
            if kind == FAKE:
                try:
                    fake = load_fake_class(name)
                except Exception as exc:
                    out.append(Target(name, kind, error=f"fake contract_tests/fakes/{name}.py is broken: "
                                                         f"{_describe(exc)}"))
                    continue
                if fake is None:
                    out.append(Target(name, kind, skip=f"no fake: contract_tests/fakes/{name}.py does not exist"))
                else:
                    out.append(Target(name, kind))
            else:
                prof = profile(name)
                if prof is None:
                    out.append(Target(name, kind, skip=f"no sandbox profile for {name} in contract_tests/sandbox.py"))
                else:
                    out.append(Target(name, kind, skip=prof.skip_reason()))
    return out


# --------------------------------------------------------------------------- harness


class ScenarioError(AssertionError):
    pass


def _uid() -> str:
    return uuid.uuid4().hex[:20]


class Ids(TypedDict):
    operation_id: str
    idempotency_key: str
    payment_id: str


@dataclass
class Payment:
    """A payment the scenario created: its authorize request and latest outcome."""

    request: AuthorizeRequest
    outcome: Outcome

    @property
    def provider_reference(self) -> str:
        ref = self.outcome.provider_reference
        if not ref:
            raise ScenarioError(f"authorize outcome carries no provider_reference: {self.outcome!r}")
        return ref


@dataclass
class Harness:
    target: Target
    adapter_cls: type[Adapter]
    adapter: Adapter
    client: httpx.AsyncClient
    fake: Any | None = None
    faults: FaultTransport | None = None
    polled: list[ProviderEvent] = field(default_factory=list)
    poll_cursor: str | None = None

    # ---------------------------------------------------------------- lifecycle
    @classmethod
    async def open(cls, target: Target) -> Harness:
        if target.error:
            pytest.fail(f"{target.id}: {target.error}", pytrace=False)
        if target.skip:
            pytest.skip(f"{target.id}: {target.skip}")
        adapter_cls = registry.get(target.adapter)
        if target.kind == FAKE:
            fake_cls = load_fake_class(target.adapter)
            if fake_cls is None:  # pragma: no cover - resolved in resolve_targets
                pytest.skip(f"no fake for {target.adapter}")
            fake = fake_cls()
            base_url = f"https://{target.adapter}.fake.invalid"
            account = fake.account(base_url)
            faults = FaultTransport(httpx.ASGITransport(app=fake.app))
            client = httpx.AsyncClient(
                transport=faults,
                base_url=account.base_url,
                timeout=httpx.Timeout(account.read_timeout, connect=account.connect_timeout),
                **_client_options(adapter_cls, account),
            )
            return cls(target, adapter_cls, adapter_cls(account, client), client, fake, faults)
        prof = profile(target.adapter)
        if prof is None:  # pragma: no cover
            pytest.skip(f"no sandbox profile for {target.adapter}")
        account = prof.account()
        transport = SANDBOX_TRANSPORT(target.adapter) if SANDBOX_TRANSPORT is not None else None
        client = httpx.AsyncClient(
            transport=transport,
            base_url=account.base_url,
            timeout=httpx.Timeout(account.read_timeout, connect=account.connect_timeout),
            **_client_options(adapter_cls, account),
        )
        return cls(target, adapter_cls, adapter_cls(account, client), client)

    async def close(self) -> None:
        await self.client.aclose()

    # ---------------------------------------------------------------- capabilities
    @property
    def caps(self) -> Capabilities:
        return self.adapter_cls.capabilities

    def supports(self, cap: Capability) -> bool:
        return self.caps.supports(cap)

    def require(self, *caps: Capability) -> None:
        missing = [c.value for c in caps if not self.supports(c)]
        if missing:
            pytest.skip(f"{self.target.adapter} does not declare {', '.join(missing)}")

    def require_fake(self, why: str = "needs the fake's internals") -> Any:
        if self.fake is None:
            pytest.skip(f"sandbox target: scenario {why}")
        return self.fake

    def strategies(self, kind: OperationKind) -> tuple[Strategy, ...]:
        return tuple(self.caps.resolution.get(kind, ()))

    @property
    def is_fake(self) -> bool:
        return self.fake is not None

    def expect_settled(self, outcome: Outcome, what: str) -> None:
        """SUCCEEDED; on a sandbox also PENDING (accepted, and only a webhook the suite
        cannot receive would confirm it, e.g. Adyen modifications)."""
        if self.is_fake:
            expect(outcome, OutcomeStatus.SUCCEEDED, what)
        else:
            expect(outcome, (OutcomeStatus.SUCCEEDED, OutcomeStatus.PENDING), what)

    # ---------------------------------------------------------------- instruments
    @property
    def currency(self) -> str:
        prof = profile(self.target.adapter)
        preferred = prof.currency if (prof and not self.is_fake) else "EUR"
        currencies = self.caps.currencies
        if not currencies or preferred in currencies:
            return preferred
        return sorted(currencies)[0]

    @property
    def amount(self) -> int:
        return 1099

    def approve_method(self) -> PaymentMethod:
        if self.fake is not None:
            return self.fake.approve_method()  # type: ignore[no-any-return]
        prof = profile(self.target.adapter)
        assert prof is not None
        return prof.approve

    def decline_methods(self) -> dict[Any, PaymentMethod]:
        if self.fake is not None:
            return dict(self.fake.decline_methods())
        prof = profile(self.target.adapter)
        return dict(prof.declines) if prof else {}

    def count(self, kind: OperationKind) -> int:
        fake = self.require_fake("counts what the provider performed")
        return int(fake.count(kind))

    # ---------------------------------------------------------------- requests
    def ids(self, payment_id: str | None = None, prefix: str = "pay") -> Ids:
        op = f"op_{_uid()}"
        return {
            "operation_id": op,
            "idempotency_key": f"payhub-{op}",
            "payment_id": payment_id or f"{prefix}_{_uid()}",
        }

    def authorize_request(
        self,
        method: PaymentMethod,
        *,
        capture: bool = False,
        amount: int | None = None,
        three_ds: ThreeDS | None = None,
    ) -> AuthorizeRequest:
        ids = self.ids()
        return AuthorizeRequest(
            **ids,
            amount=self.amount if amount is None else amount,
            currency=self.currency,
            reference=f"order-{ids['payment_id'][-8:]}",
            metadata={"suite": "contract"},
            capture=capture,
            payment_method=method,
            three_ds=three_ds or ThreeDS(mode="if_required", return_url=RETURN_URL),
            description="payhub contract suite",
        )

    async def authorize(self, method: PaymentMethod | None = None, *, capture: bool = False,
                        amount: int | None = None, three_ds: ThreeDS | None = None) -> Payment:
        request = self.authorize_request(method or self.approve_method(), capture=capture, amount=amount,
                                         three_ds=three_ds)
        outcome = await self.adapter.authorize(request)
        return Payment(request, outcome)

    async def authorized(self, *, amount: int | None = None) -> Payment:
        """An authorized (not captured) payment; SUCCEEDED asserted."""
        p = await self.authorize(amount=amount)
        p.outcome = await self.settle(OperationKind.AUTHORIZE, p.outcome, p.request)
        expect(p.outcome, OutcomeStatus.SUCCEEDED, "authorize (approve method)")
        return p

    async def captured(self) -> Payment:
        """A payment whose funds are captured (authorize + capture, or a purchase)."""
        if self.supports(Capability.CAPTURE):
            p = await self.authorized()
            out = await self.capture(p)
            self.expect_settled(out, "capture")
            return p
        p = await self.authorize(capture=True)
        p.outcome = await self.settle(OperationKind.AUTHORIZE, p.outcome, p.request)
        expect(p.outcome, OutcomeStatus.SUCCEEDED, "purchase (authorize with capture)")
        return p

    def capture_request(self, p: Payment, amount: int | None = None, *, final: bool = True) -> CaptureRequest:
        return CaptureRequest(
            **self.ids(p.request.payment_id),
            amount=p.request.amount if amount is None else amount,
            currency=p.request.currency,
            reference=p.request.reference,
            provider_reference=p.provider_reference,
            final=final,
        )

    async def capture(self, p: Payment, amount: int | None = None, *, final: bool = True) -> Outcome:
        req = self.capture_request(p, amount, final=final)
        return await self.settle(OperationKind.CAPTURE, await self.adapter.capture(req), req)

    def void_request(self, p: Payment) -> VoidRequest:
        return VoidRequest(
            **self.ids(p.request.payment_id),
            amount=p.request.amount,
            currency=p.request.currency,
            reference=p.request.reference,
            provider_reference=p.provider_reference,
        )

    def refund_request(self, p: Payment, amount: int | None = None) -> RefundRequest:
        return RefundRequest(
            **self.ids(p.request.payment_id),
            amount=p.request.amount if amount is None else amount,
            currency=p.request.currency,
            reference=p.request.reference,
            provider_reference=p.provider_reference,
            refund_id=f"re_{_uid()}",
        )

    async def refund(self, p: Payment, amount: int | None = None) -> Outcome:
        req = self.refund_request(p, amount)
        return await self.settle(OperationKind.REFUND, await self.adapter.refund(req), req)

    def authenticate_request(self, p: Payment, params: dict[str, str]) -> AuthenticateRequest:
        return AuthenticateRequest(
            **self.ids(p.request.payment_id),
            amount=p.request.amount,
            currency=p.request.currency,
            reference=p.request.reference,
            provider_reference=p.outcome.provider_reference,
            params=params,
            capture=False,
        )

    def payout_request(self, destination: BankAccount) -> PayoutRequest:
        ids = self.ids(prefix="po")
        return PayoutRequest(
            **ids,
            amount=self.amount,
            currency=self.currency,
            reference=f"payout-{ids['payment_id'][-8:]}",
            bank_account=destination,
            description="payhub contract suite",
            requested_at=dt.datetime.now(dt.UTC),  # as the hub: the operation's instant, the same on a retry
        )

    # ---------------------------------------------------------------- resolution
    def lookup_request(self, kind: OperationKind, origin: Any, outcome: Outcome | None) -> LookupRequest:
        return LookupRequest(
            operation_id=origin.operation_id,
            idempotency_key=origin.idempotency_key,
            payment_id=origin.payment_id,
            amount=origin.amount,
            currency=origin.currency,
            reference=origin.reference,
            metadata=dict(origin.metadata),
            kind=kind,
            provider_reference=(outcome.provider_reference if outcome and outcome.provider_reference
                                else getattr(origin, "provider_reference", None)),
            operation_reference=outcome.operation_reference if outcome else None,
            refund_id=getattr(origin, "refund_id", None),
        )

    async def notification_events(self) -> list[ProviderEvent]:
        """Every notification the fake generated so far, verified and parsed by the adapter."""
        if self.fake is None or not self.supports(Capability.WEBHOOKS):
            return []
        events: list[ProviderEvent] = []
        for n in self.fake.notifications():
            events.extend(await self.adapter.verify_webhook({k.lower(): v for k, v in n.headers.items()}, n.body))
        return events

    async def polled_events(self) -> list[ProviderEvent]:
        if not self.supports(Capability.NOTIFICATION_POLLING):
            return []
        for _ in range(20):
            batch = await self.adapter.poll_notifications(self.poll_cursor)
            self.polled.extend(batch.events)
            if not batch.events or batch.next_cursor in (None, self.poll_cursor):
                if batch.next_cursor:
                    self.poll_cursor = batch.next_cursor
                break
            self.poll_cursor = batch.next_cursor
        return list(self.polled)

    @staticmethod
    def event_matches(ev: ProviderEvent, kind: OperationKind, origin: Any, outcome: Outcome | None) -> bool:
        if ev.kind != kind or ev.outcome is None:
            return False
        refund_id = getattr(origin, "refund_id", None)
        if refund_id and ev.refund_id:
            return bool(ev.refund_id == refund_id)
        op_ref = outcome.operation_reference if outcome else None
        if op_ref and ev.operation_reference:
            return ev.operation_reference == op_ref
        prov_ref = (outcome.provider_reference if outcome else None) or getattr(origin, "provider_reference", None)
        if ev.payment_id:
            return bool(ev.payment_id == origin.payment_id)
        if prov_ref and ev.provider_reference:
            return ev.provider_reference == prov_ref
        return False

    async def news(self, kind: OperationKind, origin: Any, outcome: Outcome | None) -> Outcome | None:
        """A definite outcome for the operation from webhooks or polled notifications."""
        found: Outcome | None = None
        for ev in [*await self.notification_events(), *await self.polled_events()]:
            if self.event_matches(ev, kind, origin, outcome) and ev.outcome is not None and ev.outcome.definite:
                found = ev.outcome  # the latest news wins (a return after a success)
        return found

    async def lookup(self, kind: OperationKind, origin: Any, outcome: Outcome | None) -> Outcome:
        return await self.adapter.lookup(self.lookup_request(kind, origin, outcome))

    async def _pause(self, step: float) -> None:
        if self.fake is not None:
            await self.fake.advance(step)
        elif step:
            await asyncio.sleep(min(step, 2.0))

    async def settle(self, kind: OperationKind, outcome: Outcome, origin: Any) -> Outcome:
        """Drive a PENDING/UNKNOWN outcome to a definite one with whatever the adapter
        declares (notifications, polling, lookup), letting provider time pass."""
        if outcome.definite:
            return outcome
        can_lookup = Strategy.LOOKUP in self.strategies(kind) and self.supports(Capability.LOOKUP)
        current = outcome
        steps = ADVANCE_STEPS if self.is_fake else (0.0, 2.0, 2.0, 2.0)
        for step in steps:
            await self._pause(step)
            news = await self.news(kind, origin, outcome)
            if news is not None:
                return news
            if can_lookup:
                try:
                    looked = await self.lookup(kind, origin, outcome)
                except NotSupported:
                    can_lookup = False
                else:
                    if looked.definite:
                        return looked
                    current = looked
        return current

    async def resolve_by(self, strategies: Iterable[Strategy], kind: OperationKind, origin: Any, outcome: Outcome,
                         replay: Callable[[], Awaitable[Outcome]]) -> Outcome:
        """Resolve an ambiguous outcome as the hub's resolver would: at each backoff step
        try the given strategies in order until one answers definitely. A reference
        learnt on the way (a replay answering PENDING with the provider's id) is used
        by later lookups."""
        chain = tuple(strategies)
        known = outcome
        current = outcome
        for step in ADVANCE_STEPS if self.is_fake else (0.0, 2.0, 2.0):
            await self._pause(step)
            for strategy in chain:
                if strategy is Strategy.LOOKUP:
                    current = await self.lookup(kind, origin, known)
                elif strategy is Strategy.REPLAY:
                    current = await replay()
                else:
                    news = await self.news(kind, origin, known)
                    current = news if news is not None else current
                if current.definite:
                    return current
                if current.provider_reference and not known.provider_reference:
                    known = current
        return current


def _client_options(adapter_cls: type[Adapter], account: Any) -> dict[str, Any]:
    try:
        opts = dict(adapter_cls.client_options(account))
    except Exception as exc:  # options a fake world cannot honour (mTLS files) are dropped
        log.warning("client_options of %s failed: %s", adapter_cls.__name__, exc)
        return {}
    # a fake has no TLS; keep only options that make sense for an in-memory transport
    return {k: v for k, v in opts.items() if k in ("headers", "auth", "params", "event_hooks")}


# --------------------------------------------------------------------------- assertions


def describe(outcome: Outcome) -> str:
    parts = [f"status={outcome.status.value}"]
    if outcome.failure:
        f = outcome.failure
        parts.append(f"failure={f.code}/{f.decline_code}/{f.provider_code}")
    if outcome.reason:
        parts.append(f"reason={outcome.reason!r}")
    if outcome.provider_reference:
        parts.append(f"ref={outcome.provider_reference}")
    return " ".join(parts)


def expect(outcome: Outcome, status: OutcomeStatus | Iterable[OutcomeStatus], what: str) -> None:
    wanted = {status} if isinstance(status, OutcomeStatus) else set(status)
    if outcome.status not in wanted:
        names = "/".join(sorted(s.value for s in wanted))
        raise ScenarioError(f"{what}: expected {names}, got {describe(outcome)}")


def env_list(name: str) -> list[str]:
    raw = os.environ.get(name, "")
    return [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
