"""The documents the SEPA bank fake writes: pain.002.001.10 and camt.054.001.08 (lxml)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from adapters.sepa.mapping import CAMT054_NS, PAIN002_NS, cents_to_amount


def _iso(ts: datetime) -> str:
    return ts.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{parent.nsmap[None]}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _path(parent: etree._Element, tags: str, text: str) -> etree._Element:
    el = parent
    for tag in tags.split("/"):
        el = _sub(el, tag)
    el.text = text
    return el


def _reason(parent: etree._Element, code: str | None, info: str | None) -> None:
    if not code and not info:
        return
    rsn = _sub(parent, "StsRsnInf")
    if code:
        _path(rsn, "Rsn/Cd", code)
    if info:
        _sub(rsn, "AddtlInf", info[:105])


def _doc(ns: str) -> etree._Element:
    return etree.Element(f"{{{ns}}}Document", nsmap={None: ns})


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@dataclass(frozen=True)
class TxReport:
    instr_id: str | None
    end_to_end_id: str | None
    status: str
    reason: str | None = None
    info: str | None = None


def pain002(
    *,
    msg_id: str,
    created_at: datetime,
    original_msg_id: str,
    group_status: str | None,
    group_reason: str | None = None,
    group_info: str | None = None,
    original_nb_of_txs: int | None = None,
    original_ctrl_sum_cents: int | None = None,
    pmt_inf_id: str | None = None,
    transactions: Sequence[TxReport] = (),
    debtor_bic: str | None = None,
) -> bytes:
    """One CustomerPaymentStatusReportV10 about one pain.001 (group, payment, transactions)."""
    root = _doc(PAIN002_NS)
    rpt = _sub(root, "CstmrPmtStsRpt")
    hdr = _sub(rpt, "GrpHdr")
    _sub(hdr, "MsgId", msg_id)
    _sub(hdr, "CreDtTm", _iso(created_at))
    if debtor_bic:
        _path(hdr, "DbtrAgt/FinInstnId/BICFI", debtor_bic)
    grp = _sub(rpt, "OrgnlGrpInfAndSts")
    _sub(grp, "OrgnlMsgId", original_msg_id)
    _sub(grp, "OrgnlMsgNmId", "pain.001.001.09")
    if original_nb_of_txs is not None:
        _sub(grp, "OrgnlNbOfTxs", str(original_nb_of_txs))
    if original_ctrl_sum_cents is not None:
        _sub(grp, "OrgnlCtrlSum", cents_to_amount(original_ctrl_sum_cents))
    if group_status:
        _sub(grp, "GrpSts", group_status)
    _reason(grp, group_reason, group_info)
    if pmt_inf_id is not None:
        pmt = _sub(rpt, "OrgnlPmtInfAndSts")
        _sub(pmt, "OrgnlPmtInfId", pmt_inf_id)
        for tx in transactions:
            el = _sub(pmt, "TxInfAndSts")
            if tx.instr_id:
                _sub(el, "OrgnlInstrId", tx.instr_id)
            if tx.end_to_end_id:
                _sub(el, "OrgnlEndToEndId", tx.end_to_end_id)
            _sub(el, "TxSts", tx.status)
            _reason(el, tx.reason, tx.info)
    return _bytes(root)


@dataclass(frozen=True)
class Entry:
    """One camt.054 notification with one entry (one booked transfer or one return)."""

    notification_id: str
    created_at: datetime
    entry_ref: str
    amount_cents: int
    credit_debit: str  # DBIT | CRDT
    booking_date: str
    acct_svcr_ref: str
    sub_family: str  # ESCT (SEPA credit transfer) | RRTN (return)
    end_to_end_id: str
    msg_id: str | None = None
    pmt_inf_id: str | None = None
    instr_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str | None = None
    return_reason: str | None = None
    return_info: str | None = None


def camt054(*, msg_id: str, created_at: datetime, account_iban: str, entries: Sequence[Entry]) -> bytes:
    """One BankToCustomerDebitCreditNotificationV08 with one Ntfctn per entry (at least one)."""
    if not entries:
        raise ValueError("camt.054 needs at least one notification")
    root = _doc(CAMT054_NS)
    msg = _sub(root, "BkToCstmrDbtCdtNtfctn")
    hdr = _sub(msg, "GrpHdr")
    _sub(hdr, "MsgId", msg_id)
    _sub(hdr, "CreDtTm", _iso(created_at))
    for e in entries:
        ntf = _sub(msg, "Ntfctn")
        _sub(ntf, "Id", e.notification_id)
        _sub(ntf, "CreDtTm", _iso(e.created_at))
        _path(ntf, "Acct/Id/IBAN", account_iban)
        ntry = _sub(ntf, "Ntry")
        _sub(ntry, "NtryRef", e.entry_ref)
        amount = cents_to_amount(e.amount_cents)
        _sub(ntry, "Amt", amount, Ccy="EUR")
        _sub(ntry, "CdtDbtInd", e.credit_debit)
        _path(ntry, "Sts/Cd", "BOOK")
        _path(ntry, "BookgDt/Dt", e.booking_date)
        _path(ntry, "ValDt/Dt", e.booking_date)
        _sub(ntry, "AcctSvcrRef", e.acct_svcr_ref)
        domn = _sub(_sub(ntry, "BkTxCd"), "Domn")
        _sub(domn, "Cd", "PMNT")
        fmly = _sub(domn, "Fmly")
        _sub(fmly, "Cd", "ICDT")
        _sub(fmly, "SubFmlyCd", e.sub_family)
        tx = _sub(_sub(ntry, "NtryDtls"), "TxDtls")
        refs = _sub(tx, "Refs")
        if e.msg_id:
            _sub(refs, "MsgId", e.msg_id)
        _sub(refs, "AcctSvcrRef", e.acct_svcr_ref)
        if e.pmt_inf_id:
            _sub(refs, "PmtInfId", e.pmt_inf_id)
        if e.instr_id:
            _sub(refs, "InstrId", e.instr_id)
        _sub(refs, "EndToEndId", e.end_to_end_id)
        _sub(tx, "Amt", amount, Ccy="EUR")
        _sub(tx, "CdtDbtInd", e.credit_debit)
        if e.counterparty_name or e.counterparty_iban:
            # on a debit the counterparty is the creditor; on a return, the returning creditor
            pties = _sub(tx, "RltdPties")
            if e.counterparty_name:
                _path(pties, "Cdtr/Pty/Nm", e.counterparty_name)
            if e.counterparty_iban:
                _path(pties, "CdtrAcct/Id/IBAN", e.counterparty_iban)
        if e.remittance:
            _path(tx, "RmtInf/Ustrd", e.remittance)
        if e.return_reason:
            rtr = _sub(tx, "RtrInf")
            _path(rtr, "Rsn/Cd", e.return_reason)
            if e.return_info:
                _sub(rtr, "AddtlInf", e.return_info[:105])
    return _bytes(root)
