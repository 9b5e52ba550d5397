"""pain.001 building + XSD validation, id derivation, pain.002 and camt.054 parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree

from adapters.base import (
    BankAccount,
    DeclineCode,
    FailureCode,
    InvalidRequest,
    OperationKind,
    OutcomeStatus,
    PayoutRequest,
)
from adapters.sepa import mapping
from adapters.sepa.charset import is_sepa_id
from contract_tests.fakes.sepa_xml import Entry, TxReport, camt054, pain002

CREDS = {
    "debtor_name": "Payhub Test GmbH",
    "debtor_iban": "DE02120300000000202051",
    "debtor_bic": "BYLADEM1001",
}
NS = {"p": mapping.PAIN001_NS}


def request(**kw: object) -> PayoutRequest:
    base: dict[str, object] = {
        "operation_id": "op_01jabcdefghjkmnpqrstvwxyz0",
        "idempotency_key": "payhub-op_01jabcdefghjkmnpqrstvwxyz0",
        "payment_id": "po_01jabcdefghjkmnpqrstvwxyz1",
        "amount": 1099,
        "currency": "EUR",
        "bank_account": BankAccount(
            iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX", name="Zoë Straße", country="DE"
        ),
        "description": "Auszahlung März",
    }
    base.update(kw)
    return PayoutRequest(**base)  # type: ignore[arg-type]


def acct(
    iban: str = "DE89370400440532013000", bic: str | None = None, name: str = "A", country: str | None = None
) -> BankAccount:
    return BankAccount(iban=iban, bic=bic, name=name, country=country)


def build(**kw: object) -> bytes:
    return mapping.build_pain001(mapping.prepare_transfer(request(**kw), CREDS, today=date(2026, 3, 2)))


# --------------------------------------------------------------------------- pain.001


def test_pain001_is_valid_against_the_official_xsd() -> None:
    doc = build()
    mapping.validate_pain001(doc)  # raises if not
    root = etree.fromstring(doc)
    assert root.tag == f"{{{mapping.PAIN001_NS}}}Document"

    def text(path: str) -> str | None:
        found = root.findtext(path, namespaces=NS)
        return None if found is None else str(found)

    assert text("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId") == "op-01jabcdefghjkmnpqrstvwxyz0"
    assert text("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == "1"
    assert text("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum") == "10.99"
    pmt = "p:CstmrCdtTrfInitn/p:PmtInf"
    assert len(root.findall(pmt, NS)) == 1
    assert len(root.findall(f"{pmt}/p:CdtTrfTxInf", NS)) == 1
    assert text(f"{pmt}/p:PmtInfId") == "op-01jabcdefghjkmnpqrstvwxyz0"
    assert text(f"{pmt}/p:PmtTpInf/p:SvcLvl/p:Cd") == "SEPA"
    assert text(f"{pmt}/p:ReqdExctnDt/p:Dt") == "2026-03-02"
    assert text(f"{pmt}/p:ChrgBr") == "SLEV"
    assert text(f"{pmt}/p:DbtrAcct/p:Id/p:IBAN") == "DE02120300000000202051"
    tx = f"{pmt}/p:CdtTrfTxInf"
    assert text(f"{tx}/p:PmtId/p:EndToEndId") == "po-01jabcdefghjkmnpqrstvwxyz1"
    amt = root.find(f"{tx}/p:Amt/p:InstdAmt", NS)
    assert amt is not None and amt.text == "10.99" and amt.get("Ccy") == "EUR"
    assert text(f"{tx}/p:Cdtr/p:Nm") == "Zoe Strasse"
    assert text(f"{tx}/p:CdtrAcct/p:Id/p:IBAN") == "DE89370400440532013000"
    assert text(f"{tx}/p:RmtInf/p:Ustrd") == "Auszahlung Marz"


def test_broken_pain001_is_refused_by_the_xsd() -> None:
    root = etree.fromstring(build())
    nb = root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", NS)
    assert nb is not None
    nb.text = "one"  # Max15NumericText
    with pytest.raises(mapping.SchemaError, match="NbOfTxs"):
        mapping.validate_pain001(root)
    root = etree.fromstring(build())
    iban = root.find(".//p:CdtrAcct/p:Id/p:IBAN", NS)
    assert iban is not None
    iban.text = "de89 3704"  # IBAN2007Identifier pattern
    with pytest.raises(mapping.SchemaError):
        mapping.validate_pain001(root)
    root = etree.fromstring(build())
    grp = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert grp is not None
    grp.remove(grp[0])  # MsgId is mandatory
    with pytest.raises(mapping.SchemaError):
        mapping.validate_pain001(root)


@pytest.mark.parametrize(
    ("cents", "text"),
    [(1, "0.01"), (10, "0.10"), (1099, "10.99"), (100000, "1000.00"), (99_999_999_999, "999999999.99")],
)
def test_amounts(cents: int, text: str) -> None:
    assert mapping.cents_to_amount(cents) == text
    assert mapping.amount_to_cents(text) == cents


def test_optional_parts() -> None:
    doc = build(
        bank_account=BankAccount(iban="NL91ABNA0417164300", name="Jan"), description=None, reference=None
    )
    mapping.validate_pain001(doc)
    root = etree.fromstring(doc)
    assert root.find(".//p:CdtrAgt", NS) is None  # IBAN-only
    assert root.find(".//p:RmtInf", NS) is None


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"currency": "USD"}, "currency", "validation_error"),
        ({"amount": 0}, "amount", "invalid_amount"),
        ({"amount": 100_000_000_000}, "amount", "invalid_amount"),
        ({"bank_account": None}, "bank_account", "validation_error"),
        ({"bank_account": acct("DE89370400440532013001")}, "bank_account.iban", None),
        ({"bank_account": acct("US12345678901234567890")}, "bank_account.iban", None),
        ({"bank_account": acct("BR1800360305000010009795493C1")}, "bank_account.iban", None),  # not SEPA
        ({"bank_account": acct(bic="COBAXX")}, "bank_account.bic", None),
        ({"bank_account": acct(country="FR")}, "bank_account.country", None),
        ({"bank_account": acct(name="Дмитрий")}, "bank_account.name", None),
        ({"bank_account": acct(name="   ")}, "bank_account.name", None),
        ({"description": "送金"}, "description", None),
    ],
)
def test_invalid_requests(kw: dict[str, object], field: str, code: str | None) -> None:
    with pytest.raises(InvalidRequest) as info:
        build(**kw)
    assert info.value.field == field
    if code:
        assert info.value.code == code


def test_untransliterable_name_message() -> None:
    with pytest.raises(InvalidRequest) as info:
        build(bank_account=BankAccount(iban="DE89370400440532013000", name="Дмитрий Иванов"))
    assert "bank_account.name" in str(info.value)
    assert "SEPA character set" in str(info.value)


def test_long_texts_are_cut_not_refused() -> None:
    doc = build(
        bank_account=BankAccount(iban="DE89370400440532013000", name="Ä" * 100), description="ü" * 200
    )
    mapping.validate_pain001(doc)
    root = etree.fromstring(doc)
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == "A" * 70
    assert root.findtext(".//p:Ustrd", namespaces=NS) == "u" * 140


# --------------------------------------------------------------------------- ids


def test_ids_are_deterministic_and_readable() -> None:
    a = mapping.prepare_transfer(request(), CREDS)
    b = mapping.prepare_transfer(request(), CREDS)
    assert (a.msg_id, a.pmt_inf_id, a.end_to_end_id) == (b.msg_id, b.pmt_inf_id, b.end_to_end_id)
    assert a.msg_id == "op-01jabcdefghjkmnpqrstvwxyz0"
    assert a.end_to_end_id == "po-01jabcdefghjkmnpqrstvwxyz1"
    assert mapping.decode_payout_id(a.end_to_end_id) == "po_01jabcdefghjkmnpqrstvwxyz1"


@pytest.mark.parametrize(
    ("operation_id", "key"),
    [
        ("op_" + "x" * 40, "payhub-op_" + "x" * 40),  # too long
        ("op:1/2", "payhub-op:1/2"),  # characters outside the readable form
        ("op_ü", "payhub-op_ü"),
        ("/op", "k"),
    ],
)
def test_hashed_ids(operation_id: str, key: str) -> None:
    msg_id = mapping.message_id_for(operation_id, key)
    assert is_sepa_id(msg_id)
    assert len(msg_id) == 35
    assert msg_id.startswith("PH.")
    assert msg_id == mapping.message_id_for(operation_id, key)  # stable
    assert msg_id != mapping.message_id_for(operation_id, key + "x")


def test_readable_and_hashed_forms_do_not_collide() -> None:
    readable = mapping.message_id_for("op_abc", "k1")
    assert "." not in readable
    assert mapping.message_id_for("op-abc", "k2").startswith("PH.")  # '-' in: not readable


def test_long_payout_id_travels_in_remittance() -> None:
    payout_id = "po_" + "z" * 40
    t = mapping.prepare_transfer(request(payment_id=payout_id), CREDS)
    assert t.end_to_end_id.startswith("PH.") and is_sepa_id(t.end_to_end_id)
    assert t.remittance is not None and t.remittance.startswith("PAYHUB po-" + "z" * 40)
    assert mapping.decode_payout_id(t.end_to_end_id, t.remittance) == payout_id


def test_decode_payout_id_ignores_foreign_ids() -> None:
    assert mapping.decode_payout_id("NOTPROVIDED") is None
    assert mapping.decode_payout_id(None) is None
    assert mapping.decode_payout_id("INV-2024-1") is None


# --------------------------------------------------------------------------- pain.002

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def report(group: str | None, tx: str | None = None, reason: str | None = None, **kw: object) -> bytes:
    txs = [TxReport("op-1", "po-1", tx, reason, "detail")] if tx else []
    return pain002(
        msg_id="STS1",
        created_at=NOW,
        original_msg_id="op-1",
        group_status=group,
        pmt_inf_id="op-1" if tx else None,
        transactions=txs,
        **kw,  # type: ignore[arg-type]
    )


def test_fake_reports_validate_against_the_subset_schema() -> None:
    for body in (report("ACSC", "ACSC"), report("RJCT", "RJCT", "AC04"), report("RJCT", group_reason="FF01")):
        mapping.validate(body, "pain.002.001.10.subset")


@pytest.mark.parametrize(
    ("group", "tx", "status"),
    [
        ("RCVD", None, OutcomeStatus.PENDING),
        ("ACTC", None, OutcomeStatus.PENDING),
        ("ACCP", "ACCP", OutcomeStatus.PENDING),
        ("ACSP", "ACSP", OutcomeStatus.PENDING),
        ("PDNG", "PDNG", OutcomeStatus.PENDING),
        ("ACWC", "ACWC", OutcomeStatus.PENDING),
        ("PART", "ACSP", OutcomeStatus.PENDING),
        ("ACSC", "ACSC", OutcomeStatus.SUCCEEDED),
        ("ACCC", "ACCC", OutcomeStatus.SUCCEEDED),
        ("ACSP", "ACSC", OutcomeStatus.SUCCEEDED),  # the transaction is more specific
        (None, None, OutcomeStatus.UNKNOWN),
        ("ZZZZ", None, OutcomeStatus.UNKNOWN),
    ],
)
def test_status_mapping(group: str | None, tx: str | None, status: OutcomeStatus) -> None:
    parsed = mapping.parse_pain002(report(group, tx))
    out = mapping.outcome_from_status_report(parsed, end_to_end_id="po-1", provider_reference="sub-1")
    assert out.status is status
    assert out.provider_reference == "sub-1"
    assert out.failure is None


@pytest.mark.parametrize(
    ("reason", "decline"),
    [
        ("AC01", DeclineCode.INVALID_ACCOUNT),
        ("AC04", DeclineCode.INVALID_ACCOUNT),
        ("AC06", DeclineCode.INVALID_ACCOUNT),
        ("AM04", DeclineCode.INSUFFICIENT_FUNDS),
        ("MS03", DeclineCode.PROCESSING_ERROR),
        ("AG01", DeclineCode.DO_NOT_HONOR),
        ("BE04", DeclineCode.PROCESSING_ERROR),
        ("MD07", DeclineCode.INVALID_ACCOUNT),
        ("RR04", DeclineCode.DO_NOT_HONOR),
        ("AM02", DeclineCode.LIMIT_EXCEEDED),
        ("XY99", DeclineCode.UNKNOWN),
    ],
)
def test_rejection_reasons(reason: str, decline: DeclineCode) -> None:
    parsed = mapping.parse_pain002(report("PART", "RJCT", reason))
    out = mapping.outcome_from_status_report(parsed, end_to_end_id="po-1")
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert out.failure.code == FailureCode.PAYOUT_REJECTED
    assert out.failure.decline_code == decline
    assert out.failure.provider_code == reason
    assert reason in out.failure.message and "detail" in out.failure.message


def test_group_rejection_wins() -> None:
    parsed = mapping.parse_pain002(report("RJCT", group_reason="FF01", group_info="Invalid file format"))
    assert parsed.group_status == "RJCT" and parsed.group_reason == "FF01"
    out = mapping.outcome_from_status_report(parsed, end_to_end_id="po-1")
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.provider_code == "FF01"


def test_pain002_rejects_other_documents() -> None:
    with pytest.raises(mapping.XmlFormatError):
        mapping.parse_pain002(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.054.001.08'/>")
    with pytest.raises(mapping.XmlFormatError):
        mapping.parse_pain002(b"not xml")


def test_pain002_entities_are_not_expanded() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
        b"<GrpHdr><MsgId>&x;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"
    )
    parsed = mapping.parse_pain002(evil)
    assert parsed.msg_id in (None, "")


# --------------------------------------------------------------------------- camt.054


def entry(seq: int, cd: str, e2e: str, reason: str | None = None, remittance: str | None = None) -> Entry:
    return Entry(
        notification_id=f"NTF{seq}",
        created_at=NOW,
        entry_ref=f"NTRY{seq}",
        amount_cents=1099,
        credit_debit=cd,
        booking_date="2026-03-02",
        acct_svcr_ref=f"BK{seq}",
        sub_family="RRTN" if reason else "ESCT",
        end_to_end_id=e2e,
        msg_id="op-1",
        pmt_inf_id="op-1",
        instr_id="op-1",
        counterparty_name="Zoe",
        counterparty_iban="DE89370400440532013000",
        remittance=remittance,
        return_reason=reason,
        return_info="Account closed" if reason else None,
    )


def camt(*entries: Entry) -> bytes:
    return camt054(msg_id="CAMT1", created_at=NOW, account_iban=CREDS["debtor_iban"], entries=entries)


def test_fake_camt054_validates_against_the_official_xsd() -> None:
    mapping.validate(camt(entry(1, "DBIT", "po-1"), entry(2, "CRDT", "po-1", "AC04")), "camt.054.001.08")


def test_camt054_booked_debit_and_return_credit() -> None:
    notes = mapping.parse_camt054(camt(entry(1, "DBIT", "po-abc"), entry(2, "CRDT", "po-abc", "AC04")))
    assert [n.id for n in notes] == ["NTF1", "NTF2"]
    assert notes[0].entries[0].credit_debit == "DBIT"
    assert notes[0].entries[0].bank_tx_code == "PMNT.ICDT.ESCT"
    assert notes[1].entries[0].transactions[0].return_reason == "AC04"

    batch = mapping.events_from_notifications(notes, cursor=None)
    assert batch.next_cursor == "NTF2"
    booked, returned = batch.events
    assert booked.event_id == "NTRY1"
    assert booked.kind is OperationKind.PAYOUT
    assert booked.payment_id == "po_abc"
    assert booked.outcome is not None and booked.outcome.status is OutcomeStatus.SUCCEEDED
    assert booked.outcome.amount == 1099
    assert returned.event_id == "NTRY2"
    assert returned.payment_id == "po_abc"
    assert returned.type == "PMNT.ICDT.RRTN"
    assert returned.outcome is not None and returned.outcome.status is OutcomeStatus.RETURNED
    failure = returned.outcome.failure
    assert failure is not None
    assert failure.code == FailureCode.PAYOUT_RETURNED
    assert failure.decline_code == DeclineCode.INVALID_ACCOUNT
    assert failure.provider_code == "AC04"


def test_camt054_ignores_foreign_entries() -> None:
    incoming = entry(1, "CRDT", "INV-77")  # someone paid us: not a payout
    other_debit = entry(2, "DBIT", "NOTPROVIDED")  # a debit that is not ours
    batch = mapping.events_from_notifications(
        mapping.parse_camt054(camt(incoming, other_debit)), cursor="NTF0"
    )
    assert batch.events == []
    assert batch.next_cursor == "NTF2"  # the cursor still moves on


def test_camt054_payout_id_from_remittance() -> None:
    batch = mapping.events_from_notifications(
        mapping.parse_camt054(camt(entry(1, "DBIT", "PH.ABC", remittance="PAYHUB po-long-id rent"))),
        cursor=None,
    )
    assert [e.payment_id for e in batch.events] == ["po_long_id"]
