"""Every CLI command answers an expected failure with one line and exit 2, never a traceback.

Expected: the configuration is wrong, a service (database, Redis, Kafka) does not answer, the
schema is missing, the KMS key cannot be used. Anything else is a bug and keeps its traceback.
With ``PAYHUB_LOG_LEVEL=DEBUG`` the traceback is printed after the line as well.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Callable

from hub.domain.errors import ConfigError
from hub.lifecycle.reasons import mask_url, reason_of
from hub.lifecycle.services import ServiceUnavailable, services_of
from hub.lifecycle.wait import wait_for_services

EXIT_UNAVAILABLE = 2  # a service, the configuration or the KMS key is not usable (DESIGN §19)
log = logging.getLogger("payhub.lifecycle")


def _connection_like(exc: BaseException) -> bool:
    try:
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    except ImportError:  # pragma: no cover
        return isinstance(exc, OSError)
    kinds: tuple[type[BaseException], ...] = (OSError, TimeoutError, OperationalError, InterfaceError, DBAPIError)
    try:
        import redis.exceptions

        kinds += (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, kinds)


def _blame(args: argparse.Namespace) -> ServiceUnavailable | None:
    """After a connection-like failure: which configured service does not answer (one try each)?"""
    from hub.config import load_settings

    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError:
        return None
    try:
        asyncio.run(wait_for_services(services_of(settings), 0))
    except ServiceUnavailable as exc:
        return exc
    except Exception:  # the probe itself broke: say what we know
        return None
    return None


def explain(exc: BaseException, args: argparse.Namespace) -> str | None:
    """The one line for an expected failure, or None for a bug (which keeps its traceback)."""
    from vault.errors import VaultError

    if isinstance(exc, ServiceUnavailable):
        return exc.line()
    if isinstance(exc, ConfigError):
        return f"configuration error: {exc}"
    if isinstance(exc, VaultError):
        return f"KMS / vault: {exc}"
    if not _connection_like(exc):
        return None
    culprit = _blame(args)
    if culprit is not None:
        return culprit.line()
    reason = reason_of(exc)
    if type(exc).__module__.startswith("sqlalchemy"):
        from hub.config import load_settings

        try:
            where = mask_url(load_settings(getattr(args, "config", None)).database_url)
        except ConfigError:
            where = "(database)"
        hint = ""
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            hint = " (the schema is missing or old: run `payhub migrate`)"
        return f"database {where}: {reason}{hint}"
    return reason


def _debug() -> bool:
    return os.environ.get("PAYHUB_LOG_LEVEL", "").upper() == "DEBUG"


def run_guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        line = explain(exc, args)
        if line is None:
            raise
        print(f"payhub: {line}", file=sys.stderr, flush=True)
        if _debug():
            traceback.print_exception(exc, file=sys.stderr)
        else:
            log.debug("the failure in full", exc_info=exc)
        return EXIT_UNAVAILABLE
