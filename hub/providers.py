"""Provider accounts at run time: one adapter instance and one HTTP client per account."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters import registry
from adapters.base import REQUIRED_CAPABILITY, Account, Adapter, Capability, OperationKind, Strategy
from hub import http_redaction
from hub.config import SIMULATOR_IN_PROCESS_URL, AccountConfig
from hub.domain.errors import ConfigError, NotFound, NotSupportedByAccount
from hub.http import ProviderClient, make_transport, without_cookies
from vault.redaction import register_secret

log = logging.getLogger("payhub.providers")


@dataclass
class ProviderAccount:
    account: Account
    adapter: Adapter
    client: httpx.AsyncClient
    in_process_app: Any = None  # the simulator app when served in-process
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def call_deadline(self) -> float:
        """Seconds the hub waits for one adapter call before calling it ambiguous."""
        return self.account.connect_timeout + self.account.read_timeout + 1.0

    def require(self, kind: OperationKind) -> None:
        cap = REQUIRED_CAPABILITY[kind]
        if not self.adapter.capabilities.supports(cap):
            raise NotSupportedByAccount(
                f"account {self.id!r} ({self.adapter.name}) does not support {kind.value}"
            )

    def supports(self, cap: Capability) -> bool:
        return self.adapter.capabilities.supports(cap)

    def strategies(self, kind: OperationKind) -> tuple[Strategy, ...]:
        return tuple(self.adapter.capabilities.resolution.get(kind, ()))


class Providers:
    """All configured accounts. Built at start from config (and the DB for API-created ones)."""

    def __init__(self, *, transport: str = "aiohttp", simulator_options: dict[str, Any] | None = None):
        self._accounts: dict[str, ProviderAccount] = {}
        self._retired: list[httpx.AsyncClient] = []  # clients of replaced accounts
        self._transport = transport
        self._simulator_options = simulator_options or {}
        self.public_url: str | None = None  # where shoppers reach the hub (3DS pages, embedded mode)

    def __contains__(self, account_id: str) -> bool:
        return account_id in self._accounts

    def ids(self) -> list[str]:
        return sorted(self._accounts)

    def get(self, account_id: str) -> ProviderAccount:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise NotFound(f"no provider account {account_id!r}", code="account_not_found") from None

    def all(self) -> list[ProviderAccount]:
        return list(self._accounts.values())

    def add(self, cfg: AccountConfig, *, where: str = "accounts") -> ProviderAccount:
        try:
            adapter_cls = registry.get(cfg.adapter)
        except LookupError as exc:
            raise ConfigError(f"{where}.adapter: {exc}") from None
        in_process = None
        base_url = cfg.base_url
        if base_url is None:
            if cfg.adapter != "simulator":
                raise ConfigError(f"{where}.base_url: required for the {cfg.adapter} adapter")
            from adapters.simulator.app import create_app

            options = dict(self._simulator_options)
            options.setdefault("public_url", self.public_url)
            in_process = create_app(
                api_key=cfg.credentials.get("api_key"),
                webhook_secret=cfg.credentials.get("webhook_secret"),
                **options,
            )
            base_url = SIMULATOR_IN_PROCESS_URL
        account = Account(
            id=cfg.id,
            adapter=cfg.adapter,
            base_url=base_url,
            credentials=dict(cfg.credentials),
            settings=dict(cfg.settings),
            connect_timeout=cfg.timeouts.connect,
            read_timeout=cfg.timeouts.read,
        )
        for secret in cfg.credentials.values():  # scrubbed from every log line from now on
            register_secret(secret)
        problems = adapter_cls.validate_account(account)
        if problems:
            raise ConfigError(f"{where}: " + "; ".join(problems))
        timeout = httpx.Timeout(cfg.timeouts.read, connect=cfg.timeouts.connect)
        options = adapter_cls.client_options(account)
        transport: httpx.AsyncBaseTransport
        if in_process is not None:
            transport = httpx.ASGITransport(app=in_process)  # type: ignore[arg-type]
        else:
            transport = make_transport(self._transport, **options)
        client = without_cookies(
            ProviderClient(
                base_url=base_url,
                timeout=timeout,
                transport=transport,
                event_hooks=http_redaction.event_hooks(),
            )
        )
        provider = ProviderAccount(
            account=account, adapter=adapter_cls(account, client), client=client, in_process_app=in_process
        )
        old = self._accounts.get(cfg.id)
        self._accounts[cfg.id] = provider
        if old is not None:
            log.info("account %s replaced", cfg.id)
            self._retired.append(old.client)  # calls in flight may still use it: closed at close()
        return provider

    async def close(self) -> None:
        for client in [*(p.client for p in self._accounts.values()), *self._retired]:
            await client.aclose()
        self._retired.clear()
