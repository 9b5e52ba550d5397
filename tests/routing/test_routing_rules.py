"""Routing rules, the cascade classification and the circuit breaker, without a hub."""

from __future__ import annotations

import pytest

from adapters.base import Failure, Outcome, OutcomeStatus
from hub.domain.errors import ConfigError
from hub.routing.bins import BinTable
from hub.routing.breaker import CLOSED, HALF_OPEN, OPEN, Breakers
from hub.routing.cascade import certainly_not_charged
from hub.routing.config import DEFAULT_CASCADE_CODES, RoutingRule
from hub.routing.rules import PaymentFacts, first_match
from tests.conftest import make_settings

EUR_100 = PaymentFacts(
    currency="EUR", amount=10_000, card_brand="visa", card_country="DE", metadata={"tier": "gold"}
)


def rule(**kw: object) -> RoutingRule:
    return RoutingRule(accounts=["a"], **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("conditions", "holds"),
    [
        ({}, True),
        ({"currency": "EUR"}, True),
        ({"currency": ["GBP", "EUR"]}, True),
        ({"currency": "GBP"}, False),
        ({"amount_gte": 10_000}, True),
        ({"amount_gte": 10_001}, False),
        ({"amount_lt": 10_000}, False),
        ({"amount_lt": 10_001}, True),
        ({"card_brand": "VISA"}, True),
        ({"card_brand": ["mastercard", "amex"]}, False),
        ({"card_country": "DE"}, True),
        ({"card_country": "FR"}, False),
        ({"metadata": {"tier": "gold"}}, True),
        ({"metadata": {"tier": "silver"}}, False),
        ({"metadata": {"other": "x"}}, False),
        ({"currency": "EUR", "amount_gte": 5_000, "amount_lt": 20_000, "card_country": "DE"}, True),
    ],
)
def test_a_rule_holds_only_when_every_condition_does(conditions: dict[str, object], holds: bool) -> None:
    assert (first_match([rule(**conditions)], EUR_100) is not None) is holds


def test_the_first_rule_that_holds_wins() -> None:
    rules = [rule(currency="GBP"), RoutingRule(accounts=["b"], amount_gte=1), RoutingRule(accounts=["c"])]
    match = first_match(rules, EUR_100)
    assert match is not None and match[0] == 1 and match[1].accounts == ["b"]


def test_a_card_condition_never_holds_for_a_payment_without_card_facts() -> None:
    token_payment = PaymentFacts(currency="EUR", amount=100)
    assert first_match([rule(card_brand="visa")], token_payment) is None
    assert first_match([rule(card_country="DE")], token_payment) is None


def test_card_country_comes_from_the_longest_bin_prefix() -> None:
    bins = BinTable({"4000": "NL", "400000276": "AT"})
    assert bins.country("4000002760000016") == "DE"  # built-in 16-digit entry
    assert bins.country("4000002769999999") == "AT"
    assert bins.country("4000111122223333") == "NL"
    assert bins.country("5105105105105100") is None
    assert bins.country(None) is None


def _outcome(status: OutcomeStatus, code: str = "card_declined", decline: str | None = None) -> Outcome:
    failure = Failure(code=code, decline_code=decline) if status == OutcomeStatus.FAILED else None
    return Outcome(status=status, failure=failure)


@pytest.mark.parametrize(
    ("outcome", "cascades"),
    [
        (_outcome(OutcomeStatus.RETRY), True),  # refused before sending, 429
        (_outcome(OutcomeStatus.FAILED, decline="processing_error"), True),
        (_outcome(OutcomeStatus.FAILED, decline="issuer_unavailable"), True),
        (_outcome(OutcomeStatus.FAILED, decline="try_again_later"), True),
        (_outcome(OutcomeStatus.FAILED, code="provider_error"), True),
        (_outcome(OutcomeStatus.FAILED, decline="insufficient_funds"), False),
        (_outcome(OutcomeStatus.FAILED, decline="lost_or_stolen"), False),
        (_outcome(OutcomeStatus.FAILED, decline="fraud_suspected"), False),
        (_outcome(OutcomeStatus.FAILED, decline="incorrect_cvc"), False),
        (_outcome(OutcomeStatus.FAILED, decline="expired_card"), False),
        (_outcome(OutcomeStatus.FAILED, code="invalid_request"), False),
        (_outcome(OutcomeStatus.UNKNOWN), False),  # timeout, 5xx: may have charged
        (_outcome(OutcomeStatus.PENDING), False),
        (_outcome(OutcomeStatus.SUCCEEDED), False),
        (_outcome(OutcomeStatus.REQUIRES_ACTION), False),
    ],
)
def test_only_a_certainly_not_charged_attempt_cascades(outcome: Outcome, cascades: bool) -> None:
    assert certainly_not_charged(outcome, DEFAULT_CASCADE_CODES) is cascades


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_when_most_recent_calls_fail_then_probes_once_and_closes() -> None:
    clock = Clock()
    b = Breakers(failures=3, window=60, cooldown=30, clock=clock)
    fail, ok = Outcome(status=OutcomeStatus.RETRY), Outcome(status=OutcomeStatus.SUCCEEDED)
    for _ in range(4):
        b.record("a", ok)
    for _ in range(3):
        b.record("a", fail)
    assert b.state("a") == CLOSED  # 3 failures, but not most of the 7 calls
    b.record("a", fail)
    b.record("a", fail)
    assert b.state("a") == OPEN and not b.allow("a")
    clock.now += 29
    assert not b.allow("a")
    clock.now += 1
    assert b.state("a") == HALF_OPEN
    assert b.allow("a") is True  # the one probe
    assert b.allow("a") is False  # nobody else while it is out
    b.record("a", ok)
    assert b.state("a") == CLOSED and b.allow("a")


def test_a_failed_probe_opens_the_breaker_again_and_declines_count_as_answers() -> None:
    clock = Clock()
    b = Breakers(failures=2, window=10, cooldown=5, clock=clock)
    declined = Outcome(status=OutcomeStatus.FAILED, failure=Failure(code="card_declined"))
    for _ in range(10):
        b.record("a", declined)
    assert b.state("a") == CLOSED
    b.record("a", Outcome(status=OutcomeStatus.UNKNOWN))
    clock.now += 11  # the window forgets
    b.record("a", Outcome(status=OutcomeStatus.UNKNOWN))
    assert b.state("a") == CLOSED
    b.record("a", Outcome(status=OutcomeStatus.UNKNOWN))
    assert b.state("a") == OPEN
    clock.now += 5
    assert b.allow("a")
    b.record("a", Outcome(status=OutcomeStatus.RETRY))
    assert b.state("a") == OPEN
    snap = b.snapshot()["a"]
    assert snap["state"] == OPEN and snap["times_opened"] == 2


ACCOUNTS = """
[[accounts]]
id = "one"
adapter = "simulator"
[[accounts]]
id = "two"
adapter = "simulator"
"""


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            '[[routing.rules]]\naccounts = ["one", "nope"]\n',
            "routing.rules[0].accounts[1]: no account 'nope'",
        ),
        ('[[routing.rules]]\naccounts = ["one"]\ncard_colour = "red"\n', "routing.rules[0]"),
        ("[[routing.rules]]\naccounts = []\n", "routing.rules[0].accounts"),
        ('[[routing.rules]]\naccounts = ["one"]\ncurrency = "eur"\n', "routing.rules[0].currency"),
        (
            '[[routing.rules]]\naccounts = ["one"]\namount_gte = 10\namount_lt = 5\n',
            "routing.rules[0].amount_lt",
        ),
        ("[routing]\nbreaker_failures = 0\n", "routing.breaker_failures"),
        ("[routing]\nbreaker_cooldown = -1\n", "routing.breaker_cooldown"),
    ],
)
def test_a_bad_routing_configuration_stops_the_start_naming_the_key(
    tmp_path, routing: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        make_settings("sqlite+aiosqlite:///x.db", tmp_path, config_toml=routing + ACCOUNTS)
    assert message in str(err.value)


def test_metadata_conditions_are_written_as_dotted_keys(tmp_path) -> None:
    toml = '[[routing.rules]]\naccounts = ["two"]\nmetadata.channel = "pos"\n' + ACCOUNTS
    settings = make_settings("sqlite+aiosqlite:///x.db", tmp_path, config_toml=toml)
    assert settings.routing.rules[0].metadata == {"channel": "pos"}
