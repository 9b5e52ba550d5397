"""The facts routing looks at, and the first rule whose conditions all hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.routing.config import RoutingRule


@dataclass(frozen=True)
class PaymentFacts:
    currency: str
    amount: int
    card_brand: str | None = None
    card_country: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


def _one_of(value: str | None, wanted: str | list[str] | None, *, fold: bool = False) -> bool:
    if wanted is None:
        return True
    if value is None:
        return False
    options = [wanted] if isinstance(wanted, str) else wanted
    if fold:
        return value.lower() in {o.lower() for o in options}
    return value in options


def holds(rule: RoutingRule, facts: PaymentFacts) -> bool:
    if not _one_of(facts.currency, rule.currency):
        return False
    if rule.amount_gte is not None and facts.amount < rule.amount_gte:
        return False
    if rule.amount_lt is not None and facts.amount >= rule.amount_lt:
        return False
    if not _one_of(facts.card_brand, rule.card_brand, fold=True):
        return False
    if not _one_of(facts.card_country, rule.card_country):
        return False
    return all(facts.metadata.get(key) == value for key, value in rule.metadata.items())


def first_match(rules: Sequence[RoutingRule], facts: PaymentFacts) -> tuple[int, RoutingRule] | None:
    for i, rule in enumerate(rules):
        if holds(rule, facts):
            return i, rule
    return None
