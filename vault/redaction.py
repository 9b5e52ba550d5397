"""Scrub card data and secrets from text, structures and log records.

What :func:`redact` removes from free text (in this order):

1. every secret registered in the :class:`SecretRegistry` (exact occurrences);
2. PEM private keys;
3. values of sensitive ``key: value`` / ``key=value`` / JSON / form / Python-repr
   fields -- CVC/CVV, passwords, secrets, API keys, HMAC keys, tokens, the
   ``Authorization`` and ``X-API-Key`` headers (``"cvc": "123"``,
   ``card[cvc]=123``, ``'password': 'x'``, ``Authorization: Bearer ...``);
4. ``Bearer``/``Basic`` credentials anywhere;
5. known secret shapes: ``sk_live_``, ``sk_test_``, ``rk_``, ``whsec_``, ``phk_``;
6. card numbers: 13-19 digit runs, also split by single spaces or dashes, that
   pass the Luhn check (and 16-19 digit runs starting with 62, as some UnionPay
   numbers carry no check digit), become ``[PAN ****1234]``.

Card-number detection trades false positives for safety: any Luhn-valid 13-19
digit sequence is masked, so about one in ten long numbers that are *not* cards
(epoch milliseconds, some reference numbers) is masked too, while non-Luhn
numbers -- most order numbers -- are left alone. A card number glued to other
digits with no separator (a 20+ digit run) is not detected.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

from vault.cards import luhn_valid

REDACTED = "[REDACTED]"
_MAX_DEPTH = 32

# -- secret registry ------------------------------------------------------------------


class SecretRegistry:
    """Secrets known to this process (provider keys, webhook secrets, ...).

    Each registered value is replaced by ``[REDACTED]`` wherever it appears.
    Values shorter than ``min_length`` are ignored (``register`` returns False):
    short strings would blank out ordinary words.
    """

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def register(self, secret: str) -> bool:
        if not isinstance(secret, str) or len(secret) < self.min_length:
            return False
        with self._lock:
            if secret not in self._secrets:
                self._secrets.add(secret)
                self._pattern = None
        return True

    def register_many(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            self.register(secret)

    def unregister(self, secret: str) -> None:
        with self._lock:
            self._secrets.discard(secret)
            self._pattern = None

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._pattern = None

    def __len__(self) -> int:
        return len(self._secrets)

    def __contains__(self, secret: object) -> bool:
        return secret in self._secrets

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is None:
            with self._lock:
                if not self._secrets:
                    return text
                ordered = sorted(self._secrets, key=len, reverse=True)  # longest first
                pattern = self._pattern = re.compile("|".join(map(re.escape, ordered)))
        return pattern.sub(REDACTED, text)


default_registry = SecretRegistry()


def register_secret(secret: str) -> bool:
    """Register ``secret`` in the process-wide registry."""
    return default_registry.register(secret)


# -- text patterns -----------------------------------------------------------------------

_PEM = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)", re.DOTALL
)

_NAMES = (
    r"(?:cvc2?|cvv2?|cvn|csc|security[_-]?code|pass(?:word|wd)|pwd|secret(?:[_-]?key)?|"
    r"client[_-]?secret|api[_-]?key|apikey|hmac[_-]?key|private[_-]?key|access[_-]?token|"
    r"refresh[_-]?token|(?:proxy-)?authorization)"
)
# The sensitive name is the last component of the key: "cvc", "card[cvc]",
# "payment_method[card][cvc]", "webhook_secret", "X-API-Key", "card%5Bcvc%5D".
_KEY = rf"(?<![\w\-\[\].%])(?:[\w\-\[\].%]*?(?:[_\-\[.]|%5B))?{_NAMES}(?:\]|%5D)?(?![\w-])"
_KV = re.compile(
    rf"(?P<key>(?:\\?[\"'])?{_KEY}(?:\\?[\"'])?\s*[:=]\s*)"
    r"(?P<value>(?:(?:bearer|basic|token|digest)\s+)?\[REDACTED\]"  # already scrubbed
    r"|\\\"(?:(?!\\\").)*\\\"|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"  # quoted
    r"|(?:(?:bearer|basic|token|digest)\s+)?(?!\[REDACTED)[^\s&,;'\"}\])]+)",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(
    r"\b(?P<scheme>bearer|basic)\s+(?=[A-Za-z]*[0-9\-._~+/=])[A-Za-z0-9\-._~+/]{6,}=*", re.IGNORECASE
)
_SHAPES = re.compile(r"(?<![A-Za-z0-9])(?P<prefix>sk_live_|sk_test_|rk_|whsec_|phk_)[A-Za-z0-9_\-+/=]{6,}")
# a run that can hold a card number (13+ digits) is at least 13 characters long: the lookahead
# skips the short runs (ids, amounts, dates) without a Python call for each
_DIGIT_RUN = re.compile(r"(?<![0-9])(?=[0-9 \-]{13})[0-9]+(?:[ \-][0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
# what each pattern above needs at the least: ``:``/``=`` (fields), whitespace (schemes, PEM),
# ``-----`` (PEM), a secret prefix (shapes), a digit followed by 12 digits/spaces/dashes (cards)
_PREFIXES = "sk_|rk_|whsec_|phk_"  # what every key shape _SHAPES masks begins with
_MAYBE = re.compile(rf"[:=\s]|-----|{_PREFIXES}|[0-9][0-9 \-]{{12}}")
_SHAPE_PREFIX = re.compile(_PREFIXES)
# every name _NAMES can match holds one of these (lower case): in ASCII text without any of them
# _KV cannot match, and this search of the lowered text costs a fraction of _KV's (most ids, times)
_NAME_PART = re.compile("cvc|cvv|cvn|csc|security|pass|pwd|secret|api|hmac|private|token|authorization")


def _kv_sub(m: re.Match[str]) -> str:
    value = m["value"]
    if value.startswith('\\"'):
        return m["key"] + '\\"' + REDACTED + '\\"'
    if value[0] in "\"'":
        return m["key"] + value[0] + REDACTED + value[0]
    return m["key"] + REDACTED


def _looks_like_pan(digits: str) -> bool:
    if not 13 <= len(digits) <= 19:
        return False
    return luhn_valid(digits) or (digits.startswith("62") and len(digits) >= 16)


def pan_label(digits: str) -> str:
    return f"[PAN ****{digits[-4:]}]"


def _pan_sub(m: re.Match[str]) -> str:
    run = m.group()
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(run)]
    covered = [False] * len(groups)
    # every group-aligned sub-run of 13-19 digits that looks like a PAN is masked
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += run[groups[j][0] : groups[j][1]]
            if len(digits) > 19:
                break
            if _looks_like_pan(digits):
                for k in range(i, j + 1):
                    covered[k] = True
    if not any(covered):
        return run
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(groups):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(groups) and covered[j + 1]:
            j += 1
        start, end = groups[i][0], groups[j][1]
        out.append(run[pos:start])
        out.append(pan_label("".join(_GROUP.findall(run[start:end]))))
        pos = end
        i = j + 1
    out.append(run[pos:])
    return "".join(out)


def redact(text: str, *, registry: SecretRegistry | None = None) -> str:
    """``text`` with card numbers, CVCs, credentials and registered secrets scrubbed."""
    if not text:
        return text
    text = (registry or default_registry).redact(text)
    if _MAYBE.search(text) is None:  # none of the patterns below can match (most ids, statuses)
        return text
    # each pattern runs only where what it needs is present (cheap substring tests; non-ASCII
    # text takes the case-insensitive patterns anyway: IGNORECASE folds more than lower())
    if "-----" in text:
        text = _PEM.sub("[REDACTED PRIVATE KEY]", text)
    ascii_only = text.isascii()
    lower = text.lower()
    if not ascii_only or _NAME_PART.search(lower) is not None:
        text = _KV.sub(_kv_sub, text)
    if not ascii_only or "bearer" in lower or "basic" in lower:
        text = _AUTH_SCHEME.sub(lambda m: m["scheme"] + " " + REDACTED, text)
    if _SHAPE_PREFIX.search(text) is not None:
        text = _SHAPES.sub(lambda m: m["prefix"] + REDACTED, text)
    return _DIGIT_RUN.sub(_pan_sub, text)


# -- structures --------------------------------------------------------------------------

_PAN_KEYS = frozenset({"number", "card_number", "cardnumber", "pan", "primary_account_number"})
_SECRET_KEYS = frozenset(
    {
        "cvc",
        "cvv",
        "cvc2",
        "cvv2",
        "cvn",
        "csc",
        "security_code",
        "password",
        "passwd",
        "secret",
        "api_key",
        "apikey",
        "x_api_key",
        "authorization",
        "proxy_authorization",
        "hmac_key",
        "secret_key",
        "client_secret",
        "webhook_secret",
        "access_token",
        "refresh_token",
        "private_key",
        "cookie",
        "set_cookie",
    }
)
_SECRET_SUFFIXES = ("_secret", "_password", "_secret_key", "_api_key", "_private_key", "_hmac_key")
_KEY_PART = re.compile(r"[^\[\]]+")


def _normalize_key(key: str) -> str:
    parts = _KEY_PART.findall(key)  # "card[cvc]" -> "cvc"
    return (parts[-1] if parts else key).strip().lower().replace("-", "_")


def _key_class(key: object) -> str | None:
    if not isinstance(key, str):
        return None
    return _key_class_of(key)


@functools.lru_cache(maxsize=4096)  # a structure's keys are few and repeat
def _key_class_of(key: str) -> str | None:
    name = _normalize_key(key)
    if name in _PAN_KEYS:
        return "pan"
    if name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES):
        return "secret"
    return None


def _mask_value(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if kind == "pan" and isinstance(value, str | int) and not isinstance(value, bool):
        digits = re.sub(r"[ \-]", "", str(value))
        if digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19:
            return pan_label(digits)
    return REDACTED


def redact_obj(obj: Any, *, registry: SecretRegistry | None = None, _depth: int = 0) -> Any:
    """A redacted copy of a nested dict/list/tuple structure (the input is untouched).

    Values under sensitive keys are masked whole; other strings go through
    :func:`redact`; integers that look like card numbers are masked.
    """
    if _depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(obj, str):
        return redact(obj, registry=registry)
    if isinstance(obj, dict):
        result: dict[Any, Any] = {}
        for key, value in obj.items():
            kind = _key_class(key)
            result[key] = (
                _mask_value(kind, value) if kind else redact_obj(value, registry=registry, _depth=_depth + 1)
            )
        return result
    if isinstance(obj, list | tuple):
        items = [redact_obj(v, registry=registry, _depth=_depth + 1) for v in obj]
        return items if isinstance(obj, list) else tuple(items)
    if isinstance(obj, int) and not isinstance(obj, bool) and _looks_like_pan(str(obj)):
        return pan_label(str(obj))
    return obj


def mask_secret(secret: str) -> str:
    """Show a secret without revealing it: at most its first 4 and last 4 characters.

    ``"sk_test_4eC39HqLyjWDarjtT1zdp7dc"`` -> ``"sk_t…p7dc"``; 12-19 characters
    show only the last 4; shorter secrets show nothing.
    """
    if not secret:
        return ""
    if len(secret) < 12:
        return "****"
    if len(secret) < 20:
        return "…" + secret[-4:]
    return secret[:4] + "…" + secret[-4:]


# -- logging -----------------------------------------------------------------------------

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Scrubs each record in place: the formatted message, exception text, stack
    info and string/dict/list ``extra`` attributes. Put it on *handlers* (see
    :func:`install_log_redaction`) so records from every logger pass through it."""

    def __init__(self, registry: SecretRegistry | None = None, name: str = "") -> None:
        super().__init__(name)
        self.registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not let the raw args through
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message, registry=self.registry)
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, registry=self.registry)
            record.exc_info = None  # so no formatter renders the raw traceback again
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, registry=self.registry)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, registry=self.registry)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str | dict | list | tuple):
                setattr(record, key, redact_obj(value, registry=self.registry))
        return True


def install_log_redaction(
    logger: logging.Logger | None = None, *, registry: SecretRegistry | None = None
) -> RedactingFilter:
    """Add a :class:`RedactingFilter` to every handler of ``logger`` (the root
    logger by default) and to ``logging.lastResort``. Idempotent. Handlers added
    later need ``handler.addFilter(filter)`` with the returned filter."""
    target = logger or logging.getLogger()
    handlers = list(target.handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    existing = next(
        (f for h in handlers for f in h.filters if isinstance(f, RedactingFilter)),
        None,
    )
    flt = existing or RedactingFilter(registry)
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    return flt
