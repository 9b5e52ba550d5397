"""The ordered list of accounts one payment may be tried on, and why each other was left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.base import Capability
from hub.domain.errors import NotFound, NotSupportedByAccount, ValidationFailed
from hub.providers import ProviderAccount, Providers
from hub.routing.bins import BinTable
from hub.routing.breaker import Breakers
from hub.routing.config import RoutingConfig, RoutingRule
from hub.routing.rules import PaymentFacts, first_match


@dataclass
class Plan:
    source: str  # "explicit" (the request named the account) | "rule" | "default_account"
    accounts: list[str]  # in the order they will be tried
    rule_index: int | None = None
    rule: RoutingRule | None = None
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"account", "reason"}

    @property
    def cascades(self) -> bool:
        return self.source == "rule" and len(self.accounts) > 1

    def describe(self) -> dict[str, Any]:
        rule: dict[str, Any] | None = None
        if self.rule is not None:
            rule = {
                "index": self.rule_index,
                "name": self.rule.name,
                "conditions": {
                    k: v
                    for k, v in {
                        "currency": self.rule.currency,
                        "amount_gte": self.rule.amount_gte,
                        "amount_lt": self.rule.amount_lt,
                        "card_brand": self.rule.card_brand,
                        "card_country": self.rule.card_country,
                        "metadata": self.rule.metadata or None,
                    }.items()
                    if v is not None
                },
                "accounts": list(self.rule.accounts),
            }
        return {"source": self.source, "rule": rule, "accounts": self.accounts, "skipped": self.skipped}


class Router:
    def __init__(self, cfg: RoutingConfig, providers: Providers, default_account: str | None) -> None:
        self.cfg = cfg
        self.providers = providers
        self.default_account = default_account
        self.bins = BinTable(cfg.bin_countries)
        self.breakers = Breakers(
            failures=cfg.breaker_failures, window=cfg.breaker_window, cooldown=cfg.breaker_cooldown
        )

    @property
    def cascade_codes(self) -> frozenset[str]:
        return frozenset(self.cfg.cascade_decline_codes)

    def plan(self, facts: PaymentFacts, *, explicit: str | None, method_type: str) -> Plan:
        """Which accounts, in order. An explicit account is never routed (and never skipped)."""
        if explicit is not None:
            return Plan("explicit", [explicit])
        match = first_match(self.cfg.rules, facts)
        if match is None:
            if self.default_account is None:
                raise ValidationFailed(
                    "account is required (no routing rule matches and no default_account is configured)",
                    field="account",
                )
            return Plan("default_account", [self.default_account])
        index, rule = match
        plan = Plan("rule", [], rule_index=index, rule=rule)
        for account in rule.accounts:
            reason = self._unusable(account, facts, method_type)
            if reason is None:
                plan.accounts.append(account)
            else:
                plan.skipped.append({"account": account, "reason": reason})
        if method_type == "provider_token" and len(plan.accounts) > 1:
            # a provider's token means nothing to another account
            for account in plan.accounts[1:]:
                plan.skipped.append({"account": account, "reason": "provider_token_is_account_specific"})
            plan.accounts = plan.accounts[:1]
        if not plan.accounts:
            raise NotSupportedByAccount(
                f"routing rule {index} matched but none of its accounts can take this payment now "
                f"({', '.join(s['account'] + ': ' + s['reason'] for s in plan.skipped)})",
                code="no_account_available",
                field="account",
            )
        return plan

    def _unusable(self, account: str, facts: PaymentFacts, method_type: str) -> str | None:
        try:
            provider: ProviderAccount = self.providers.get(account)
        except NotFound:
            return "unknown_account"
        caps = provider.adapter.capabilities
        if not caps.supports(Capability.AUTHORIZE):
            return "authorize_not_supported"
        if caps.currencies is not None and facts.currency not in caps.currencies:
            return "currency_not_supported"
        needed = Capability.PROVIDER_TOKEN if method_type == "provider_token" else Capability.RAW_CARD
        if not caps.supports(needed):
            return f"{method_type}_not_supported"
        if not self.breakers.would_allow(account):
            return "breaker_open"
        return None
