"""Provider dispute news -> unified DisputeNews, from payloads shaped as the providers document
them; and the dispute state table."""

from __future__ import annotations

import json

import msgspec
import pytest

from adapters.adyen import mapping as am
from adapters.adyen.disputes import news_of as adyen_news
from adapters.disputes import DisputeReason, DisputeStatus, reason_from_scheme
from adapters.simulator.disputes import is_dispute_event
from adapters.stripe.disputes import Dispute
from adapters.stripe.disputes import news_of as stripe_news
from hub.domain.errors import InvalidState
from hub.domain.states import DISPUTE_TRANSITIONS, check_dispute_action, dispute_transition
from hub.domain.states import DisputeStatus as DS

# a Dispute as Stripe's API reference shows it (ids scrubbed)
STRIPE_DISPUTE = {
    "id": "dp_1MtJUT2eZvKYlo2CNaw2HvEv",
    "object": "dispute",
    "amount": 1000,
    "balance_transactions": [],
    "charge": "ch_1AZtxr2eZvKYlo2CJDX8whov",
    "created": 1680651737,
    "currency": "usd",
    "evidence_details": {"due_by": 1682294399, "has_evidence": False, "past_due": False, "submission_count": 0},
    "is_charge_refundable": True,
    "livemode": False,
    "metadata": {},
    "payment_intent": "pi_3MtJUT2eZvKYlo2C1FtVhRNp",
    "reason": "general",
    "status": "warning_needs_response",
}


def _stripe(obj: dict[str, object]) -> Dispute:
    return msgspec.convert(obj, type=Dispute)


@pytest.mark.parametrize(
    ("status", "unified"),
    [
        ("warning_needs_response", DisputeStatus.INQUIRY),
        ("warning_under_review", DisputeStatus.INQUIRY),
        ("warning_closed", DisputeStatus.WON),
        ("needs_response", DisputeStatus.NEEDS_RESPONSE),
        ("under_review", DisputeStatus.UNDER_REVIEW),
        ("won", DisputeStatus.WON),
        ("lost", DisputeStatus.LOST),
    ],
)
def test_stripe_statuses(status: str, unified: DisputeStatus) -> None:
    news = stripe_news(_stripe({**STRIPE_DISPUTE, "status": status}))
    assert news.status == unified


def test_stripe_dispute_fields_and_money() -> None:
    d = {**STRIPE_DISPUTE, "status": "needs_response", "reason": "fraudulent", "currency": "isk", "amount": 50000}
    d["balance_transactions"] = [{"id": "txn_1", "amount": -50000, "currency": "isk"}]
    news = stripe_news(_stripe(d))
    assert (news.provider_reference, news.payment_reference) == (d["id"], d["payment_intent"])
    assert (news.amount, news.currency) == (500, "ISK")  # Stripe keeps ISK two-decimal
    assert (news.reason, news.provider_reason) == (DisputeReason.FRAUDULENT, "fraudulent")
    assert news.funds_withdrawn is True
    assert news.evidence_due_by is not None and int(news.evidence_due_by.timestamp()) == 1682294399
    won = stripe_news(_stripe({**d, "status": "won"}), "charge.dispute.closed")
    assert won.funds_withdrawn is None  # a decided dispute's money follows its status
    back = stripe_news(_stripe({**d, "status": "won"}), "charge.dispute.funds_reinstated")
    assert back.funds_withdrawn is False
    with pytest.raises(ValueError):
        stripe_news(_stripe({**d, "status": "something_new"}))


def _adyen_item(code: str, **extra: object) -> am.NotificationItem:
    item = {
        "amount": {"currency": "EUR", "value": 1099},
        "eventCode": code,
        "eventDate": "2026-01-15T10:20:30+01:00",
        "merchantAccountCode": "PayhubTestECOM",
        "merchantReference": "pay_01abc",
        "originalReference": "9913140798220028",
        "pspReference": "9915555555555555",
        "reason": "Merchandise/Services Not Received",
        "success": "true",
        "additionalData": {"chargebackReasonCode": "13.1", "defensePeriodEndsAt": "2026-02-01T10:00:00+01:00", **extra},
    }
    return msgspec.convert(json.loads(json.dumps(item)), type=am.NotificationItem)


@pytest.mark.parametrize(
    ("code", "status", "funds"),
    [
        ("REQUEST_FOR_INFORMATION", DisputeStatus.INQUIRY, False),
        ("NOTIFICATION_OF_CHARGEBACK", DisputeStatus.NEEDS_RESPONSE, None),
        ("CHARGEBACK", DisputeStatus.NEEDS_RESPONSE, True),
        ("CHARGEBACK_REVERSED", DisputeStatus.WON, False),
        ("SECOND_CHARGEBACK", DisputeStatus.LOST, True),
        ("PREARBITRATION_WON", DisputeStatus.WON, False),
        ("PREARBITRATION_LOST", DisputeStatus.LOST, True),
    ],
)
def test_adyen_event_codes(code: str, status: DisputeStatus, funds: bool | None) -> None:
    news = adyen_news(_adyen_item(code))
    assert (news.status, news.funds_withdrawn) == (status, funds)
    assert (news.provider_reference, news.payment_reference, news.payment_id) == (
        "9915555555555555", "9913140798220028", "pay_01abc",
    )  # fmt: skip
    assert (news.amount, news.currency, news.reason, news.provider_reason) == (
        1099, "EUR", DisputeReason.PRODUCT_NOT_RECEIVED, "13.1",
    )  # fmt: skip
    assert news.evidence_due_by is not None and news.evidence_due_by.utcoffset() is not None


def test_adyen_dispute_status_refines_a_chargeback_and_stages_order_the_news() -> None:
    assert adyen_news(_adyen_item("CHARGEBACK", disputeStatus="Responded")).status == DisputeStatus.UNDER_REVIEW
    assert adyen_news(_adyen_item("CHARGEBACK", disputeStatus="Accepted")).status == DisputeStatus.ACCEPTED
    stages = [adyen_news(_adyen_item(c)).stage for c in ("REQUEST_FOR_INFORMATION", "NOTIFICATION_OF_CHARGEBACK",
              "CHARGEBACK", "CHARGEBACK_REVERSED", "SECOND_CHARGEBACK", "PREARBITRATION_LOST")]  # fmt: skip
    assert stages == sorted(stages) and len(set(stages)) == 6


@pytest.mark.parametrize(
    ("code", "text", "reason"),
    [
        ("10.4", None, DisputeReason.FRAUDULENT),
        ("4837", None, DisputeReason.FRAUDULENT),
        ("12.6.1", None, DisputeReason.DUPLICATE),
        ("13.2", None, DisputeReason.SUBSCRIPTION_CANCELED),
        ("13.6", None, DisputeReason.CREDIT_NOT_PROCESSED),
        ("4853", None, DisputeReason.PRODUCT_UNACCEPTABLE),
        (None, "Transaction not recognised", DisputeReason.UNRECOGNIZED),
        ("99.9", "Something else entirely", DisputeReason.GENERAL),
    ],
)
def test_scheme_reason_codes(code: str | None, text: str | None, reason: DisputeReason) -> None:
    assert reason_from_scheme(code, text) == reason


def test_simulator_dispute_events_are_told_apart() -> None:
    assert is_dispute_event(b'{"object":"event","type":"dispute.created","id":"e","created":1,"data":{}}')
    assert not is_dispute_event(b'{"object":"event","type":"charge.captured"}')
    assert not is_dispute_event(b"not json")


def test_dispute_state_table() -> None:
    assert set(DISPUTE_TRANSITIONS) == set(DS)
    assert dispute_transition(DS.NEW, DS.NEEDS_RESPONSE) == DS.NEEDS_RESPONSE
    assert dispute_transition(DS.UNDER_REVIEW, DS.NEEDS_RESPONSE) == DS.UNDER_REVIEW  # late news: no move back
    assert dispute_transition(DS.WON, DS.UNDER_REVIEW) == DS.WON
    assert dispute_transition(DS.WON, DS.LOST) == DS.LOST  # a second chargeback
    assert dispute_transition(DS.ACCEPTED, DS.WON) == DS.ACCEPTED  # accepted is final
    assert DS.NEW not in {t for targets in DISPUTE_TRANSITIONS.values() for t in targets}
    check_dispute_action(DS.NEEDS_RESPONSE, "evidence")
    with pytest.raises(InvalidState):
        check_dispute_action(DS.UNDER_REVIEW, "accept")
