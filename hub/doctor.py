"""``payhub doctor``: can this installation work? One verdict per check (DESIGN §19).

Checks, in order: the configuration; the database reachable; its schema current; Redis
reachable (when configured); the KMS key usable (a probe encrypted and decrypted, and what
is already stored decryptable with it); every provider account (credentials decryptable and
accepted by its adapter, its ``base_url`` answering); Kafka reachable (when configured).
The doctor changes nothing: it creates no database file, no key file, no row.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hub.config import AccountConfig, Settings, Timeouts, load_settings
from hub.domain.errors import ConfigError
from hub.lifecycle.reasons import mask_url, reason_of
from hub.lifecycle.services import kafka_probe, kafka_servers, redis_probe

PROBE_TIMEOUT = 5.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Db:
    """What the database checks learnt, for the checks after them."""

    engine: Any = None  # an AsyncEngine when the database answers and has a schema
    stored_key: str | None = None  # the card fingerprint key's ciphertext (vault_keys)
    api_accounts: list[dict[str, Any]] | None = None


def _exists(path: Path) -> bool:
    """A stat: cheap enough for the event loop of a command-line check."""
    return path.exists()


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


async def check_configuration(config_path: str | None) -> tuple[Check, Settings | None]:
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        return Check("configuration", False, str(exc)), None
    where = settings.config_path or "embedded default (no config file)"
    overrides = sorted(k for k in os.environ if k.startswith("PAYHUB_") and k != "PAYHUB_CONFIG")
    extra = f"; environment overrides: {', '.join(overrides)}" if overrides else ""
    return Check("configuration", True, f"{where}{extra}"), settings


async def check_database(settings: Settings, db: _Db) -> list[Check]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    where = mask_url(settings.database_url)
    if settings.is_sqlite:
        path = _sqlite_path(settings.database_url)
        if path is not None and not _exists(path):
            note = "payhub serve creates and migrates it at start"
            return [
                Check("database", True, f"{where}: not created yet ({note})"),
                Check("schema", True, f"none yet ({note})"),
            ]
    args: dict[str, Any] = {} if settings.is_sqlite else {"timeout": PROBE_TIMEOUT}
    engine = create_async_engine(settings.database_url, poolclass=NullPool, connect_args=args)
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), engine.connect() as conn:
            # PostgreSQL: the probe also reads how many connections the server accepts
            most = None if settings.is_sqlite else int(await conn.scalar(text(_ACCEPTS)))
    except Exception as exc:
        await engine.dispose()
        return [Check("database", False, f"{where}: {reason_of(exc)}"),
                Check("schema", False, "not checked: the database does not answer")]
    checks = [_connections(settings, where, most)]
    from alembic.script import ScriptDirectory

    from hub.store.db import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    try:
        async with engine.connect() as conn:
            current = set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except Exception:
        current = set()
    want = ", ".join(sorted(heads))
    if not current:
        checks.append(Check("schema", False, f"no schema (this version expects {want}): run `payhub migrate`"))
    elif current - known:
        have = ", ".join(sorted(current - known))
        checks.append(Check("schema", False, f"at revision {have}, which this version of payhub does not know "
                                             f"(migrated by a newer payhub?); this one expects {want}"))
    elif current != heads:
        have = ", ".join(sorted(current))
        checks.append(Check("schema", False, f"at revision {have}, this version expects {want}: "
                                             "run `payhub migrate`"))
    else:
        checks.append(Check("schema", True, f"current (revision {want})"))
        db.engine = engine
        await _read_stored(engine, db)
        return checks
    await engine.dispose()
    return checks


_ACCEPTS = "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"


def _connections(settings: Settings, where: str, most: int | None) -> Check:
    """PostgreSQL (``most``: the connections it accepts): the pool one process keeps must fit
    (past it, requests are answered 503); the operator sizes it for every serve and worker."""
    if most is None:
        return Check("database", True, f"{where}: answers")
    pool = settings.database_pool_size
    if pool > most:
        return Check("database", False, f"{where}: answers, but database_pool_size {pool} is more than the "
                                        f"{most} connections it accepts (max_connections): lower it")  # fmt: skip
    return Check("database", True, f"{where}: answers; database_pool_size {pool} of the {most} connections it "
                                   "accepts, per serve or worker process")  # fmt: skip


async def _read_stored(engine: Any, db: _Db) -> None:
    from sqlalchemy import select

    from hub.security import FINGERPRINT_KEY
    from hub.store import tables as t

    async with engine.connect() as conn:
        db.stored_key = await conn.scalar(
            select(t.vault_keys.c.ciphertext).where(t.vault_keys.c.name == FINGERPRINT_KEY)
        )
        rows = (await conn.execute(select(t.accounts).where(t.accounts.c.source == "api"))).mappings().all()
    db.api_accounts = [dict(r) for r in rows]


async def check_redis(settings: Settings) -> list[Check]:
    if not settings.redis_url:
        return []
    where = mask_url(settings.redis_url)
    try:
        await redis_probe(settings.redis_url)(PROBE_TIMEOUT)
    except Exception as exc:
        return [Check("redis", False, f"{where}: {reason_of(exc)}")]
    return [Check("redis", True, f"{where}: answers PING")]


async def check_kafka(settings: Settings) -> list[Check]:
    servers = kafka_servers(settings)
    if not servers:
        return []
    where = ",".join(servers)
    try:
        await kafka_probe(servers)(PROBE_TIMEOUT)
    except Exception as exc:
        return [Check("kafka", False, f"{where}: {reason_of(exc)}")]
    try:  # the broker speaks Kafka, with the configured security settings: a metadata request
        from hub.stream.publisher import check_reachable

        problem = await asyncio.to_thread(check_reachable, settings.events.kafka, PROBE_TIMEOUT)
    except ImportError:
        return [Check("kafka", False, f"{where}: confluent-kafka is not installed (pip install 'payhub[events]')")]
    if problem:
        return [Check("kafka", False, f"{where}: {problem}")]
    return [Check("kafka", True, f"{where}: a broker answers a metadata request")]


async def check_kms(settings: Settings, db: _Db) -> tuple[Check, Any]:
    """The KMS check and, when it passes, a vault to decrypt stored credentials with."""
    from hub.security import build_kms
    from vault.envelope import Context
    from vault.errors import VaultError
    from vault.kms.local import LocalKms
    from vault.vault import FINGERPRINT_KEY_CONTEXT, Vault

    cfg = settings.kms
    if cfg.backend == "local":
        path = Path(cfg.key_file)
        if not _exists(path):
            if db.stored_key is not None:
                return Check("kms", False, f"key file {path} does not exist, but the database holds data "
                                           "encrypted under a KEK: restore that key file"), None
            return Check("kms", True, f"key file {path} not created yet (payhub serve creates it; "
                                      "a local key file is for development only)"), None
    try:
        kms = LocalKms(cfg.key_file, create=False) if cfg.backend == "local" else build_kms(cfg)
        vault = Vault(kms)
        probe = os.urandom(16)
        ctx = Context(owner="payhub", kind="doctor.probe", record_id="probe")
        async with asyncio.timeout(PROBE_TIMEOUT * 2):
            if await vault.decrypt(await vault.encrypt(probe, ctx), ctx) != probe:
                return Check("kms", False, f"{kms.key_id}: a probe did not decrypt to what was encrypted"), None
    except VaultError as exc:  # says what is wrong with the key file / KMS key itself
        return Check("kms", False, str(exc)), None
    except Exception as exc:
        return Check("kms", False, f"{cfg.backend}: {reason_of(exc)}"), None
    what = f"local key file {cfg.key_file}" if cfg.backend == "local" else f"aws-kms {cfg.key_id}"
    if db.stored_key is not None:
        try:
            await vault.decrypt(db.stored_key, FINGERPRINT_KEY_CONTEXT)
        except Exception as exc:
            return Check("kms", False, f"{what} encrypts, but cannot decrypt what the database holds "
                                       f"({reason_of(exc)}): is this the key the data was written with?"), None
        return Check("kms", True, f"{what}: probe encrypted and decrypted; stored data decrypts"), vault
    return Check("kms", True, f"{what}: probe encrypted and decrypted"), vault


async def _answering(acct: AccountConfig) -> str | None:
    """None when ``base_url`` answers HTTP at all (any status), else the reason."""
    import httpx

    assert acct.base_url is not None
    timeout = httpx.Timeout(min(acct.timeouts.read, PROBE_TIMEOUT), connect=acct.timeouts.connect)
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            await client.get(acct.base_url)
    except Exception as exc:
        return reason_of(exc)
    return None


async def check_account(acct: AccountConfig, source: str) -> Check:
    from hub.providers import Providers

    name = f"account:{acct.id}"
    providers = Providers()
    try:
        providers.add(acct, where=f"account {acct.id}")
    except ConfigError as exc:
        return Check(name, False, str(exc))
    finally:
        await providers.close()
    creds = f"credentials {source}, accepted by the {acct.adapter} adapter"
    if acct.base_url is None:
        return Check(name, True, f"{creds}; served in-process")
    reason = await _answering(acct)
    if reason is not None:
        return Check(name, False, f"{creds}; base_url {acct.base_url} does not answer: {reason}")
    return Check(name, True, f"{creds}; base_url {acct.base_url} answers")


async def check_accounts(settings: Settings, db: _Db, vault: Any) -> list[Check]:
    from hub.services.accounts import _ctx

    jobs = [check_account(a, "from the configuration") for a in settings.accounts]
    failed: list[Check] = []
    configured = {a.id for a in settings.accounts}
    for row in db.api_accounts or []:
        if row["id"] in configured:
            continue
        if vault is None:
            failed.append(Check(f"account:{row['id']}", False, "stored credentials not checked: the KMS "
                                                                  "check failed"))
            continue
        try:
            creds = await vault.decrypt_json(row["credentials"], _ctx(row["id"]))
        except Exception as exc:
            failed.append(Check(f"account:{row['id']}", False,
                                f"stored credentials cannot be decrypted: {reason_of(exc)}"))
            continue
        cfg = AccountConfig(
            id=row["id"], adapter=row["adapter"], base_url=row["base_url"], credentials=creds,
            settings=row["settings"] or {},
            timeouts=Timeouts(connect=row["connect_timeout"], read=row["read_timeout"]),
        )
        jobs.append(check_account(cfg, "stored (decrypted)"))
    return [*await asyncio.gather(*jobs), *failed]


async def run_checks(config_path: str | None) -> list[Check]:
    config, settings = await check_configuration(config_path)
    if settings is None:
        return [config]
    db = _Db()
    checks = [config, *await check_database(settings, db)]
    try:
        checks += await check_redis(settings)
        kms, vault = await check_kms(settings, db)
        checks.append(kms)
        checks += await check_accounts(settings, db, vault)
        checks += await check_kafka(settings)
    finally:
        if db.engine is not None:
            await db.engine.dispose()
    return checks
