"""Configuration: a TOML file (``PAYHUB_CONFIG`` or ``--config``) plus ``PAYHUB_*`` overrides.

Every problem is reported at start with the key at fault, e.g.
``accounts[0].timeouts.read: Expected `float`, got `str```.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from hub.domain.errors import ConfigError
from hub.routing.config import RoutingConfig, validate_routing
from hub.stream.config import EventsConfig, validate_events

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./payhub.db"
SIMULATOR_IN_PROCESS_URL = "http://simulator.payhub.internal"
_ACCOUNT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class Timeouts(msgspec.Struct, forbid_unknown_fields=True):
    connect: float = 2.0
    read: float = 20.0


class AccountConfig(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    adapter: str
    base_url: str | None = None  # None for the simulator: served in-process
    credentials: dict[str, str] = msgspec.field(default_factory=dict)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    timeouts: Timeouts = msgspec.field(default_factory=Timeouts)


class KmsConfig(msgspec.Struct, forbid_unknown_fields=True):
    backend: str = "local"  # local | aws-kms
    key_file: str = "./payhub.key"
    key_id: str | None = None  # aws-kms: the logical KEK id recorded in ciphertexts
    aws_key_ids: list[str] = msgspec.field(default_factory=list)  # aws-kms: KEK versions 1..n (ARNs)
    region: str | None = None
    endpoint_url: str | None = None


class IdempotencyConfig(msgspec.Struct, forbid_unknown_fields=True):
    ttl_hours: float = 24.0
    required: bool = False  # make Idempotency-Key mandatory on POST /v1/payments and /v1/payouts
    lease_seconds: float = 60.0  # how long a running request holds its key
    reap_interval: float = 600.0  # seconds between runs of the job deleting expired keys


class ResolutionConfig(msgspec.Struct, forbid_unknown_fields=True):
    deadline_hours: float = 72.0
    schedule: list[float] = msgspec.field(
        default_factory=lambda: [2.0, 10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0]
    )
    sweep_interval: float = 15.0  # seconds between sweeps for overdue work
    lease_margin: float = 10.0  # added to an account's read timeout for a call's lease


class NotificationsConfig(msgspec.Struct, forbid_unknown_fields=True):
    """Polled provider news (bank statements: camt.054) for NOTIFICATION_POLLING accounts."""

    poll_interval: float = 30.0  # seconds between polls of each such account


class WebhooksConfig(msgspec.Struct, forbid_unknown_fields=True):
    """Outbound deliveries to subscribed endpoints."""

    dispatch_interval: float = 1.0  # seconds between looks for due deliveries
    timeout: float = 10.0  # seconds one delivery attempt may take, all in
    # seconds to wait after the 1st, 2nd, ... failed attempt; none left = failed (~3 days by default)
    retry_schedule: list[float] = msgspec.field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, *[36000.0] * 6]
    )
    batch_size: int = 100  # deliveries handed out per dispatch
    per_endpoint_concurrency: int = 4  # attempts in flight to one endpoint at once


class ReconciliationConfig(msgspec.Struct, forbid_unknown_fields=True):
    """Reconciliation (DESIGN §14): hub.reconciliation."""

    interval: float = 86400.0  # seconds between scheduled runs per RECONCILIATION account (daily)
    page_size: int = 100  # settlement lines asked per page (each page is matched in one batch)
    sweep_interval: float = 60.0  # seconds between looks for runs left `running` by a dead process
    stale_after: float = 900.0  # a running run whose last batch is older than this is picked up again


class TelemetryConfig(msgspec.Struct, forbid_unknown_fields=True):
    otel: bool = False  # OpenTelemetry spans (needs payhub[otel])
    exporter: str = "otlp"  # otlp (needs otlp_endpoint + opentelemetry-exporter-otlp) | console | none
    otlp_endpoint: str | None = None  # e.g. http://otel-collector:4318/v1/traces
    service_name: str = "payhub"
    backlog_refresh_seconds: float = 5.0  # /metrics: backlog COUNTs at most this often
    worker_metrics_port: int | None = None  # payhub worker: serve its own /metrics on this port


class Settings(msgspec.Struct, forbid_unknown_fields=True):
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections one `payhub serve` (all its --workers together) or `payhub worker` keeps
    database_pool_size: int = 40
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    default_account: str | None = None
    bootstrap_api_key: str | None = None
    log_level: str = "INFO"
    log_format: str = "json"  # json | text
    accounts: list[AccountConfig] = msgspec.field(default_factory=list)
    kms: KmsConfig = msgspec.field(default_factory=KmsConfig)
    idempotency: IdempotencyConfig = msgspec.field(default_factory=IdempotencyConfig)
    resolution: ResolutionConfig = msgspec.field(default_factory=ResolutionConfig)
    notifications: NotificationsConfig = msgspec.field(default_factory=NotificationsConfig)
    telemetry: TelemetryConfig = msgspec.field(default_factory=TelemetryConfig)
    webhooks: WebhooksConfig = msgspec.field(default_factory=WebhooksConfig)
    routing: RoutingConfig = msgspec.field(default_factory=RoutingConfig)
    events: EventsConfig = msgspec.field(default_factory=EventsConfig)  # [events.kafka]: DESIGN §16
    reconciliation: ReconciliationConfig = msgspec.field(default_factory=ReconciliationConfig)  # DESIGN §14
    public_url: str | None = None  # how shoppers reach this hub (3DS pages of the in-process simulator)
    embedded_account: bool = True  # add the `sandbox` simulator account when none is configured
    startup_timeout: float = 60.0  # serve/worker wait this long for the database, Redis, Kafka (§19)
    shutdown_grace: float = 30.0  # SIGTERM: in-flight requests and jobs get this long to finish
    config_path: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def account(self, account_id: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.id == account_id), None)


# environment variable -> (section or None, key)
ENV_OVERRIDES: Mapping[str, tuple[str | None, str]] = {
    "PAYHUB_DATABASE_URL": (None, "database_url"),
    "PAYHUB_DATABASE_POOL_SIZE": (None, "database_pool_size"),
    "PAYHUB_REDIS_URL": (None, "redis_url"),
    "PAYHUB_HOST": (None, "host"),
    "PAYHUB_PUBLIC_URL": (None, "public_url"),
    "PAYHUB_PORT": (None, "port"),
    "PAYHUB_DEFAULT_ACCOUNT": (None, "default_account"),
    "PAYHUB_BOOTSTRAP_API_KEY": (None, "bootstrap_api_key"),
    "PAYHUB_LOG_LEVEL": (None, "log_level"),
    "PAYHUB_LOG_FORMAT": (None, "log_format"),
    "PAYHUB_KMS_BACKEND": ("kms", "backend"),
    "PAYHUB_MASTER_KEY_FILE": ("kms", "key_file"),
    "PAYHUB_KMS_KEY_ID": ("kms", "key_id"),
    "PAYHUB_KMS_REGION": ("kms", "region"),
    "PAYHUB_KMS_ENDPOINT_URL": ("kms", "endpoint_url"),
    "PAYHUB_IDEMPOTENCY_TTL_HOURS": ("idempotency", "ttl_hours"),
    "PAYHUB_IDEMPOTENCY_REQUIRED": ("idempotency", "required"),
    "PAYHUB_RESOLUTION_DEADLINE_HOURS": ("resolution", "deadline_hours"),
    "PAYHUB_OTEL": ("telemetry", "otel"),
    "PAYHUB_OTEL_EXPORTER": ("telemetry", "exporter"),
    "PAYHUB_OTLP_ENDPOINT": ("telemetry", "otlp_endpoint"),
    "PAYHUB_WORKER_METRICS_PORT": ("telemetry", "worker_metrics_port"),
    "PAYHUB_KAFKA_BOOTSTRAP_SERVERS": ("events.kafka", "bootstrap_servers"),
    "PAYHUB_STARTUP_TIMEOUT": (None, "startup_timeout"),
    "PAYHUB_SHUTDOWN_GRACE": (None, "shutdown_grace"),
}
_NUMERIC = {
    "database_pool_size", "port", "ttl_hours", "deadline_hours", "worker_metrics_port", "startup_timeout",
    "shutdown_grace",
}  # fmt: skip
_INTEGER = {"database_pool_size", "port", "worker_metrics_port"}
_BOOLEAN = {"required", "otel"}


def _env_value(key: str, raw: str, env_name: str) -> Any:
    if key in _NUMERIC:
        try:
            return int(raw) if key in _INTEGER else float(raw)
        except ValueError as exc:
            raise ConfigError(f"{env_name}: expected a number, got {raw!r}") from exc
    if key in _BOOLEAN:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{env_name}: expected true or false, got {raw!r}")
    return raw


def _path_of(msg: str) -> str:
    """msgspec says '... - at `$.accounts[0].id`'; we say 'accounts[0].id: ...'."""
    m = re.search(r" - at `\$\.?(.*)`$", msg)
    if not m:
        return msg
    return f"{m.group(1) or '(top level)'}: {msg[: m.start()]}"


def resolve_secret(value: str, where: str, environ: Mapping[str, str]) -> str:
    if value.startswith("env:"):
        name = value[4:]
        if name not in environ:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return environ[name]
    return value


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    cfg_path = path or env.get("PAYHUB_CONFIG")
    if cfg_path:
        p = Path(cfg_path)
        try:
            raw = tomllib.loads(p.read_text())
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {p} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}") from exc
        raw["config_path"] = str(p)
    for env_name, (section, key) in ENV_OVERRIDES.items():
        if env_name in env:
            value = _env_value(key, env[env_name], env_name)
            if section is None:
                raw[key] = value
            else:
                sect = raw
                for part in section.split("."):  # "events.kafka" is a nested table
                    sect = sect.setdefault(part, {})
                    if not isinstance(sect, dict):
                        raise ConfigError(f"{section}: must be a table")
                sect[key] = value
    try:
        settings = msgspec.convert(raw, Settings)
    except msgspec.ValidationError as exc:
        raise ConfigError(_path_of(str(exc))) from exc
    _validate(settings, env)
    return settings


def _validate(settings: Settings, env: Mapping[str, str]) -> None:
    if not (
        settings.database_url.startswith("sqlite+aiosqlite://")
        or settings.database_url.startswith("postgresql+asyncpg://")
    ):
        raise ConfigError("database_url: must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    if not 1 <= settings.database_pool_size <= 1000:
        raise ConfigError("database_pool_size: must be 1..1000 connections")
    if settings.redis_url is not None and not settings.redis_url.startswith(("redis://", "rediss://")):
        raise ConfigError("redis_url: must start with redis:// or rediss://")
    if settings.kms.backend not in ("local", "aws-kms"):
        raise ConfigError("kms.backend: must be 'local' or 'aws-kms'")
    if settings.kms.backend == "aws-kms" and not (settings.kms.key_id and settings.kms.aws_key_ids):
        raise ConfigError("kms.aws_key_ids: aws-kms needs key_id and at least one KMS key id / ARN")
    if settings.log_format not in ("json", "text"):
        raise ConfigError("log_format: must be 'json' or 'text'")
    for name in ("startup_timeout", "shutdown_grace"):
        if getattr(settings, name) < 0:
            raise ConfigError(f"{name}: must be zero or positive seconds")
    _validate_telemetry(settings.telemetry)
    _validate_webhooks(settings.webhooks)
    _validate_idempotency(settings.idempotency)
    _validate_resolution(settings.resolution)
    if settings.notifications.poll_interval <= 0:
        raise ConfigError("notifications.poll_interval: must be positive seconds")
    rec = settings.reconciliation
    if min(rec.interval, rec.sweep_interval, rec.stale_after) <= 0 or not 1 <= rec.page_size <= 10_000:
        raise ConfigError("reconciliation: interval, sweep_interval, stale_after > 0; page_size 1..10000")
    seen: set[str] = set()
    for i, acct in enumerate(settings.accounts):
        where = f"accounts[{i}]"
        if not _ACCOUNT_ID.match(acct.id):
            raise ConfigError(f"{where}.id: {acct.id!r} must be lower-case letters, digits, - or _")
        if acct.id in seen:
            raise ConfigError(f"{where}.id: duplicate account id {acct.id!r}")
        seen.add(acct.id)
        if acct.timeouts.connect <= 0 or acct.timeouts.read <= 0:
            raise ConfigError(f"{where}.timeouts: connect and read must be positive seconds")
        if acct.base_url is not None and not acct.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}.base_url: must be an http(s) URL")
        for key, value in list(acct.credentials.items()):
            acct.credentials[key] = resolve_secret(value, f"{where}.credentials.{key}", env)
    if not settings.accounts and settings.embedded_account:
        settings.accounts.append(AccountConfig(id="sandbox", adapter="simulator"))
    if settings.default_account is not None and settings.default_account not in seen | {
        a.id for a in settings.accounts
    }:
        raise ConfigError(f"default_account: no account {settings.default_account!r} is configured")
    if settings.default_account is None and len(settings.accounts) == 1:
        settings.default_account = settings.accounts[0].id
    validate_routing(settings.routing, [a.id for a in settings.accounts])
    validate_events(settings.events, env)


def _validate_idempotency(cfg: IdempotencyConfig) -> None:
    for name in ("ttl_hours", "lease_seconds", "reap_interval"):
        if getattr(cfg, name) <= 0:
            raise ConfigError(f"idempotency.{name}: must be positive")


def _validate_resolution(cfg: ResolutionConfig) -> None:
    if cfg.deadline_hours <= 0:
        raise ConfigError("resolution.deadline_hours: must be positive hours")
    if not cfg.schedule:
        raise ConfigError("resolution.schedule: needs at least one delay (seconds)")
    for i, delay in enumerate(cfg.schedule):
        if delay < 0:
            raise ConfigError(f"resolution.schedule[{i}]: must be zero or positive seconds")
    if cfg.sweep_interval <= 0:
        raise ConfigError("resolution.sweep_interval: must be positive seconds")
    if cfg.lease_margin < 0:
        raise ConfigError("resolution.lease_margin: must be zero or positive seconds")


def _validate_webhooks(cfg: WebhooksConfig) -> None:
    if cfg.dispatch_interval <= 0:
        raise ConfigError("webhooks.dispatch_interval: must be positive seconds")
    if not 0 < cfg.timeout <= 300:
        raise ConfigError("webhooks.timeout: must be positive seconds, at most 300")
    for i, delay in enumerate(cfg.retry_schedule):
        if delay < 0:
            raise ConfigError(f"webhooks.retry_schedule[{i}]: must be zero or positive seconds")
    if cfg.batch_size < 1:
        raise ConfigError("webhooks.batch_size: must be at least 1")
    if cfg.per_endpoint_concurrency < 1:
        raise ConfigError("webhooks.per_endpoint_concurrency: must be at least 1")


def _validate_telemetry(tel: TelemetryConfig) -> None:
    if tel.exporter not in ("otlp", "console", "none"):
        raise ConfigError("telemetry.exporter: must be 'otlp', 'console' or 'none'")
    if tel.otlp_endpoint is not None and not tel.otlp_endpoint.startswith(("http://", "https://")):
        raise ConfigError("telemetry.otlp_endpoint: must be an http(s) URL")
    if not tel.service_name.strip():
        raise ConfigError("telemetry.service_name: must not be empty")
    if tel.backlog_refresh_seconds < 0:
        raise ConfigError("telemetry.backlog_refresh_seconds: must be zero or more seconds")
    if tel.worker_metrics_port is not None and not 1 <= tel.worker_metrics_port <= 65535:
        raise ConfigError("telemetry.worker_metrics_port: must be a TCP port (1-65535)")
