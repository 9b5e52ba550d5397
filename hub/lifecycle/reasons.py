"""One line for a person: a URL with its password masked, the reason a service did not answer."""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit, urlunsplit


def mask_url(url: str) -> str:
    """``postgresql+asyncpg://payhub:s3cret@db/payhub`` -> ``postgresql+asyncpg://payhub:***@db/payhub``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (SQLAlchemy's ``.orig``), and its causes, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and orig not in seen:
            current = orig
        else:
            current = current.__cause__ or current.__context__
    return seen


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:300]


def reason_of(exc: BaseException) -> str:
    """A short, human reason: ``connection refused``, ``host db not found``, ``timed out``,
    ``password authentication failed for user "payhub"``, ..."""
    chain = _chain(exc)
    for item in chain:
        if isinstance(item, ConnectionRefusedError) or getattr(item, "errno", None) == errno.ECONNREFUSED:
            return "connection refused (nothing listens on that host and port)"
        if isinstance(item, socket.gaierror):
            return f"host name not resolved ({item.strerror or item})"
        if isinstance(item, TimeoutError):
            return "timed out (no answer)"
    for item in chain:
        text = str(item)
        if "Connect call failed" in text or "Connection refused" in text:
            return "connection refused (nothing listens on that host and port)"
        if "Name or service not known" in text or "nodename nor servname" in text:
            return "host name not resolved"
    # the innermost message is the most specific (asyncpg's, redis's, the OS's)
    for item in reversed(chain):
        line = _first_line(str(item))
        if line and not line.startswith("(Background on this error"):
            return line
    return type(exc).__name__
