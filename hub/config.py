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


class ResolutionConfig(msgspec.Struct, forbid_unknown_fields=True):
    deadline_hours: float = 72.0
    schedule: list[float] = msgspec.field(
        default_factory=lambda: [2.0, 10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0]
    )
    sweep_interval: float = 15.0  # seconds between sweeps for overdue work
    lease_margin: float = 10.0  # added to an account's read timeout for a call's lease


class Settings(msgspec.Struct, forbid_unknown_fields=True):
    database_url: str = DEFAULT_DATABASE_URL
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
    public_url: str | None = None  # how shoppers reach this hub (3DS pages of the in-process simulator)
    embedded_account: bool = True  # add the `sandbox` simulator account when none is configured
    config_path: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def account(self, account_id: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.id == account_id), None)


# environment variable -> (section or None, key)
ENV_OVERRIDES: Mapping[str, tuple[str | None, str]] = {
    "PAYHUB_DATABASE_URL": (None, "database_url"),
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
}
_NUMERIC = {"port", "ttl_hours", "deadline_hours"}
_BOOLEAN = {"required"}


def _env_value(key: str, raw: str, env_name: str) -> Any:
    if key in _NUMERIC:
        try:
            return int(raw) if key == "port" else float(raw)
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
                sect = raw.setdefault(section, {})
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
    if settings.redis_url is not None and not settings.redis_url.startswith(("redis://", "rediss://")):
        raise ConfigError("redis_url: must start with redis:// or rediss://")
    if settings.kms.backend not in ("local", "aws-kms"):
        raise ConfigError("kms.backend: must be 'local' or 'aws-kms'")
    if settings.kms.backend == "aws-kms" and not (settings.kms.key_id and settings.kms.aws_key_ids):
        raise ConfigError("kms.aws_key_ids: aws-kms needs key_id and at least one KMS key id / ARN")
    if settings.log_format not in ("json", "text"):
        raise ConfigError("log_format: must be 'json' or 'text'")
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
