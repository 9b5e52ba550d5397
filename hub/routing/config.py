"""The ``[routing]`` section: rules, the cascading decline codes and the breaker settings."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from hub.domain.errors import ConfigError

# soft declines: the issuer or the acquirer could not answer now; nothing was charged
DEFAULT_CASCADE_CODES = ("processing_error", "issuer_unavailable", "try_again_later")
CONDITION_FIELDS = ("currency", "amount_gte", "amount_lt", "card_brand", "card_country", "metadata")


class RoutingRule(msgspec.Struct, forbid_unknown_fields=True):
    """Every condition given must hold; an empty rule holds for every payment."""

    accounts: list[str]
    name: str | None = None
    currency: str | list[str] | None = None
    amount_gte: int | None = None
    amount_lt: int | None = None
    card_brand: str | list[str] | None = None
    card_country: str | list[str] | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)  # `metadata.KEY = "value"`


class RoutingConfig(msgspec.Struct, forbid_unknown_fields=True):
    rules: list[RoutingRule] = msgspec.field(default_factory=list)
    cascade: bool = True  # try the next account of the rule after a certainly-not-charged attempt
    cascade_decline_codes: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_CASCADE_CODES))
    breaker_failures: int = 5  # failed calls within the window that (if most calls failed) open it
    breaker_window: float = 60.0  # seconds of recent calls the breaker looks at
    breaker_cooldown: float = 30.0  # seconds an open breaker skips the account before one probe
    # BIN prefix -> ISO 3166 country, longest prefix wins (extends the built-in table)
    bin_countries: dict[str, str] = msgspec.field(default_factory=dict)


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def validate_routing(cfg: RoutingConfig, account_ids: Iterable[str]) -> None:
    """Stop the start with the key named: unknown accounts, empty or impossible rules."""
    known = set(account_ids)
    for i, rule in enumerate(cfg.rules):
        where = f"routing.rules[{i}]"
        if not rule.accounts:
            raise ConfigError(f"{where}.accounts: list at least one account")
        for j, acct in enumerate(rule.accounts):
            if acct not in known:
                raise ConfigError(f"{where}.accounts[{j}]: no account {acct!r} is configured")
        if len(set(rule.accounts)) != len(rule.accounts):
            raise ConfigError(f"{where}.accounts: an account is listed twice")
        for cur in _as_list(rule.currency):
            if len(cur) != 3 or not cur.isalpha() or not cur.isupper():
                raise ConfigError(f"{where}.currency: {cur!r} is not an upper-case ISO 4217 code")
        for country in _as_list(rule.card_country):
            if len(country) != 2 or not country.isalpha() or not country.isupper():
                raise ConfigError(f"{where}.card_country: {country!r} is not an ISO 3166 alpha-2 code")
        for name in ("amount_gte", "amount_lt"):
            value = getattr(rule, name)
            if value is not None and value < 0:
                raise ConfigError(f"{where}.{name}: must not be negative")
        if rule.amount_gte is not None and rule.amount_lt is not None and rule.amount_gte >= rule.amount_lt:
            raise ConfigError(f"{where}.amount_lt: must be greater than amount_gte")
    if cfg.breaker_failures < 1:
        raise ConfigError("routing.breaker_failures: must be at least 1")
    for name in ("breaker_window", "breaker_cooldown"):
        if getattr(cfg, name) <= 0:
            raise ConfigError(f"routing.{name}: must be positive seconds")
    for prefix, country in cfg.bin_countries.items():
        if not prefix.isdigit() or not 1 <= len(prefix) <= 8:
            raise ConfigError(f"routing.bin_countries.{prefix}: a BIN prefix is 1 to 8 digits")
        if len(country) != 2 or not country.isupper():
            raise ConfigError(f"routing.bin_countries.{prefix}: {country!r} is not an ISO 3166 alpha-2 code")
