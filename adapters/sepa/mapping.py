"""ISO 20022 for the SEPA adapter: pain.001 out, pain.002 and camt.054 in.

* :func:`prepare_transfer` turns a :class:`PayoutRequest` plus the account's
  debtor credentials into a checked :class:`Transfer` (ids derived, amounts in
  euros, text transliterated) or raises :class:`InvalidRequest`;
* :func:`build_pain001` writes one ``pain.001.001.09`` document with lxml (one
  ``PmtInf``, one ``CdtTrfTxInf``) and :func:`validate_pain001` checks it against
  the official XSD vendored in ``schemas/``;
* :func:`parse_pain002` / :func:`outcome_from_status_report` read a
  ``pain.002.001.10`` status report; :func:`parse_camt054` /
  :func:`events_from_notifications` read a ``camt.054.001.08`` notification.

Identifiers (DESIGN §10):

* ``MsgId`` = ``PmtInfId`` = ``InstrId`` derive from the operation id:
  ``op_01h...`` becomes ``op-01h...`` (``_`` is not in the SEPA set); an id that
  does not fit this readable form (too long, other characters) becomes
  ``PH.`` + 32 base32 characters of the SHA-256 of the provider idempotency key.
  The readable form never contains ``.``, so the two forms cannot collide. The
  same operation always gives the same ids, so a resubmission carries the same
  ``MsgId`` (the bank's idempotency key).
* ``EndToEndId`` carries the payout id (``po_x`` -> ``po-x``), so notifications
  and returns, which echo only the ``EndToEndId``, lead back to the payout. A
  payout id that does not fit is hashed the same way and the readable id
  travels in the remittance information as ``PAYHUB <id>``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec
import schwifty
from lxml import etree

from adapters.base import (
    DeclineCode,
    Failure,
    FailureCode,
    InvalidRequest,
    NotificationBatch,
    OperationKind,
    Outcome,
    OutcomeStatus,
    PayoutRequest,
    ProviderEvent,
)
from adapters.sepa.charset import ID_MAX, CharsetError, is_sepa_id, transliterate

__all__ = [
    "CAMT054_NS",
    "PAIN001_NS",
    "PAIN002_NS",
    "REASONS",
    "SCHEMA_DIR",
    "CamtEntry",
    "CamtNotification",
    "CamtTransaction",
    "SchemaError",
    "StatusReport",
    "Transfer",
    "TxStatus",
    "XmlFormatError",
    "amount_to_cents",
    "build_pain001",
    "cents_to_amount",
    "decode_payout_id",
    "end_to_end_id_for",
    "events_from_notifications",
    "message_id_for",
    "outcome_from_status_report",
    "parse_camt054",
    "parse_pain002",
    "parse_xml",
    "prepare_transfer",
    "reason_failure",
    "validate_pain001",
]

PAIN001_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
SCHEMA_DIR = Path(__file__).parent / "schemas"

NAME_MAX = 70  # EPC: names are limited to 70 characters in SEPA
USTRD_MAX = 140
MAX_CENTS = 99_999_999_999  # EPC: at most 999 999 999.99 EUR

# SEPA scheme countries (EEA + the non-EEA participants). Creditor IBANs outside
# are refused before anything is sent: a SEPA credit transfer cannot reach them.
SEPA_COUNTRIES = frozenset(
    "AD AL AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MD ME MK MT "
    "NL NO PL PT RO RS SE SI SK SM VA".split()
)


class SchemaError(ValueError):
    """A document does not validate against its XSD."""


class XmlFormatError(ValueError):
    """A document is not the ISO 20022 message we expect."""


# --------------------------------------------------------------------------- reason codes

# ISO 20022 ExternalStatusReason1Code / ExternalReturnReason1Code values a SEPA
# credit transfer can be rejected or returned with -> (unified code, ISO name).
REASONS: dict[str, tuple[DeclineCode, str]] = {
    "AC01": (DeclineCode.INVALID_ACCOUNT, "Incorrect account number"),
    "AC02": (DeclineCode.PROCESSING_ERROR, "Invalid debtor account number"),
    "AC03": (DeclineCode.INVALID_ACCOUNT, "Invalid creditor account number"),
    "AC04": (DeclineCode.INVALID_ACCOUNT, "Closed account number"),
    "AC06": (DeclineCode.INVALID_ACCOUNT, "Blocked account"),
    "AC13": (DeclineCode.INVALID_ACCOUNT, "Invalid debtor account type"),
    "AC14": (DeclineCode.INVALID_ACCOUNT, "Invalid creditor account type"),
    "AG01": (DeclineCode.DO_NOT_HONOR, "Transaction forbidden"),
    "AG02": (DeclineCode.PROCESSING_ERROR, "Invalid bank operation code"),
    "AG03": (DeclineCode.DO_NOT_HONOR, "Transaction not supported"),
    "AM01": (DeclineCode.INVALID_AMOUNT, "Zero amount"),
    "AM02": (DeclineCode.LIMIT_EXCEEDED, "Not allowed amount"),
    "AM03": (DeclineCode.INVALID_AMOUNT, "Not allowed currency"),
    "AM04": (DeclineCode.INSUFFICIENT_FUNDS, "Insufficient funds"),
    "AM05": (DeclineCode.PROCESSING_ERROR, "Duplication"),
    "AM09": (DeclineCode.INVALID_AMOUNT, "Wrong amount"),
    "AM10": (DeclineCode.INVALID_AMOUNT, "Invalid control sum"),
    "AM18": (DeclineCode.PROCESSING_ERROR, "Invalid number of transactions"),
    "AM23": (DeclineCode.LIMIT_EXCEEDED, "Amount exceeds settlement limit"),
    "BE04": (DeclineCode.PROCESSING_ERROR, "Missing creditor address"),
    "BE05": (DeclineCode.PROCESSING_ERROR, "Unrecognised initiating party"),
    "CNOR": (DeclineCode.INVALID_ACCOUNT, "Creditor bank is not registered"),
    "CURR": (DeclineCode.INVALID_AMOUNT, "Incorrect currency"),
    "CUST": (DeclineCode.DO_NOT_HONOR, "Requested by customer"),
    "DNOR": (DeclineCode.PROCESSING_ERROR, "Debtor bank is not registered"),
    "DT01": (DeclineCode.PROCESSING_ERROR, "Invalid date"),
    "DU01": (DeclineCode.PROCESSING_ERROR, "Duplicate message id"),
    "DUPL": (DeclineCode.PROCESSING_ERROR, "Duplicate payment"),
    "ED05": (DeclineCode.PROCESSING_ERROR, "Settlement failed"),
    "FF01": (DeclineCode.PROCESSING_ERROR, "Invalid file format"),
    "FOCR": (DeclineCode.PROCESSING_ERROR, "Following cancellation request"),
    "MD07": (DeclineCode.INVALID_ACCOUNT, "End customer deceased"),
    "MS02": (DeclineCode.DO_NOT_HONOR, "Not specified reason customer generated"),
    "MS03": (DeclineCode.PROCESSING_ERROR, "Not specified reason agent generated"),
    "NARR": (DeclineCode.UNKNOWN, "Narrative"),
    "RC01": (DeclineCode.INVALID_ACCOUNT, "Bank identifier incorrect"),
    "RR01": (DeclineCode.DO_NOT_HONOR, "Missing debtor account or identification"),
    "RR02": (DeclineCode.DO_NOT_HONOR, "Missing debtor name or address"),
    "RR03": (DeclineCode.DO_NOT_HONOR, "Missing creditor name or address"),
    "RR04": (DeclineCode.DO_NOT_HONOR, "Regulatory reason"),
    "SL01": (DeclineCode.DO_NOT_HONOR, "Specific service offered by debtor agent"),
    "TECH": (DeclineCode.PROCESSING_ERROR, "Technical problem"),
    "TM01": (DeclineCode.PROCESSING_ERROR, "Cut-off time"),
}


def reason_failure(code: FailureCode, reason: str | None, info: str | None = None) -> Failure:
    """A normalised failure for an ISO reason code (the code travels in provider_code)."""
    decline, name = REASONS.get(reason or "", (DeclineCode.UNKNOWN, "unknown reason"))
    if reason is None:
        name = "no reason given"
    message = f"{reason}: {name}" if reason else name
    if info:
        message = f"{message} ({info})"
    what = "rejected" if code == FailureCode.PAYOUT_REJECTED else "returned"
    return Failure(
        code=code.value,
        decline_code=decline.value,
        message=f"transfer {what} by the bank: {message}",
        provider_code=reason,
    )


# --------------------------------------------------------------------------- ids

_READABLE = re.compile(r"[A-Za-z0-9_]+")


def _hashed(value: str) -> str:
    digest = base64.b32encode(hashlib.sha256(value.encode()).digest()).decode().rstrip("=")
    return "PH." + digest[: ID_MAX - 3]


def _readable(value: str) -> str | None:
    """``op_x`` -> ``op-x`` when that is a valid SEPA id, else None (injective: no '-' in)."""
    if not _READABLE.fullmatch(value) or len(value) > ID_MAX:
        return None
    out = value.replace("_", "-")
    return out if is_sepa_id(out) else None


def message_id_for(operation_id: str, idempotency_key: str) -> str:
    """MsgId (also PmtInfId and InstrId) of the operation's pain.001: stable across resubmissions."""
    return _readable(operation_id) or _hashed(idempotency_key)


def end_to_end_id_for(payout_id: str) -> str:
    """EndToEndId carrying the payout id (readable, so the payout is recoverable)."""
    return _readable(payout_id) or _hashed(payout_id)


_PAYHUB_REF = re.compile(r"PAYHUB ([A-Za-z0-9-]{1,120})(?![A-Za-z0-9-])")


def decode_payout_id(end_to_end_id: str | None, remittance: str | None = None) -> str | None:
    """The payout id behind an EndToEndId (or a ``PAYHUB <id>`` remittance), None if not ours."""
    if remittance:
        found = _PAYHUB_REF.search(remittance)
        if found:
            return found.group(1).replace("-", "_")
    if end_to_end_id and re.fullmatch(r"po-[A-Za-z0-9-]+", end_to_end_id):
        return end_to_end_id.replace("-", "_")
    return None


# --------------------------------------------------------------------------- amounts


def cents_to_amount(cents: int) -> str:
    """1099 -> '10.99' (euros, two decimals)."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def amount_to_cents(text: str) -> int:
    try:
        value = Decimal(text.strip()) * 100
    except InvalidOperation as exc:
        raise XmlFormatError(f"not an amount: {text!r}") from exc
    if value != value.to_integral_value():
        raise XmlFormatError(f"amount has more than two decimals: {text!r}")
    return int(value)


# --------------------------------------------------------------------------- pain.001


class Transfer(msgspec.Struct, kw_only=True, frozen=True):
    """One checked SEPA credit transfer, ready to be written as pain.001."""

    msg_id: str
    pmt_inf_id: str
    instr_id: str
    end_to_end_id: str
    amount_cents: int
    currency: str
    execution_date: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None
    creditor_country: str | None
    remittance: str | None


def _iban(value: str, field: str, *, sepa_only: bool) -> str:
    try:
        iban = schwifty.IBAN(value)
    except (schwifty.exceptions.SchwiftyException, ValueError) as exc:
        raise InvalidRequest(f"{field}: not a valid IBAN ({exc})", field=field) from exc
    if sepa_only and iban.country_code not in SEPA_COUNTRIES:
        raise InvalidRequest(
            f"{field}: {iban.country_code} is not reachable by a SEPA credit transfer", field=field
        )
    return str(iban.compact)


def _bic(value: str | None, field: str) -> str | None:
    if not value:
        return None
    try:
        return str(schwifty.BIC(value).compact)
    except (schwifty.exceptions.SchwiftyException, ValueError) as exc:
        raise InvalidRequest(f"{field}: not a valid BIC ({exc})", field=field) from exc


def _text(value: str, field: str, max_length: int) -> str:
    try:
        out = transliterate(value, max_length=max_length)
    except CharsetError as exc:
        raise InvalidRequest(f"{field}: {exc}", field=field) from exc
    if not out:
        raise InvalidRequest(f"{field}: must not be empty", field=field)
    return out


def prepare_transfer(
    request: PayoutRequest, credentials: Mapping[str, str], *, today: date | None = None
) -> Transfer:
    """Check and normalise everything before a byte is sent; InvalidRequest (422) otherwise."""
    if request.bank_account is None:
        raise InvalidRequest(
            "the sepa adapter pays out to bank accounts only (bank_account is required)",
            field="bank_account",
        )
    if request.currency.upper() != "EUR":
        raise InvalidRequest(
            f"SEPA credit transfers are in EUR only, not {request.currency}", field="currency"
        )
    if not 0 < request.amount <= MAX_CENTS:
        raise InvalidRequest(
            "amount must be between 1 and 99999999999 cents (0.01 to 999999999.99 EUR)",
            code="invalid_amount",
            field="amount",
        )
    account = request.bank_account
    remittance_src = request.description or request.reference
    e2e = end_to_end_id_for(request.payment_id)
    remittance = _text(remittance_src, "description", USTRD_MAX) if remittance_src else None
    if e2e.startswith("PH.") and _READABLE.fullmatch(request.payment_id):
        # the payout id does not fit the EndToEndId: carry it in the remittance information
        tag = "PAYHUB " + request.payment_id.replace("_", "-")
        remittance = f"{tag} {remittance}"[:USTRD_MAX] if remittance else tag
    country = account.country.upper() if account.country else None
    creditor_iban = _iban(account.iban, "bank_account.iban", sepa_only=True)
    if country and country != creditor_iban[:2]:
        raise InvalidRequest(
            f"bank_account.country {country} does not match the IBAN's country {creditor_iban[:2]}",
            field="bank_account.country",
        )
    msg_id = message_id_for(request.operation_id, request.idempotency_key)
    return Transfer(
        msg_id=msg_id,
        pmt_inf_id=msg_id,
        instr_id=msg_id,
        end_to_end_id=e2e,
        amount_cents=request.amount,
        currency="EUR",
        # a replay is the same file: dates come from when the hub first made the request
        execution_date=today or (request.requested_at or datetime.now(UTC)).astimezone(UTC).date(),
        debtor_name=_text(credentials.get("debtor_name", ""), "credentials.debtor_name", NAME_MAX),
        debtor_iban=_iban(credentials.get("debtor_iban", ""), "credentials.debtor_iban", sepa_only=True),
        debtor_bic=_bic(credentials.get("debtor_bic"), "credentials.debtor_bic"),
        creditor_name=_text(account.name, "bank_account.name", NAME_MAX),
        creditor_iban=creditor_iban,
        creditor_bic=_bic(account.bic, "bank_account.bic"),
        creditor_country=country,
        remittance=remittance,
    )


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


def build_pain001(t: Transfer, *, created_at: datetime | None = None) -> bytes:
    """One pain.001.001.09 document (UTF-8, with XML declaration)."""
    created = (created_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    amount = cents_to_amount(t.amount_cents)
    root = etree.Element(f"{{{PAIN001_NS}}}Document", nsmap={None: PAIN001_NS})
    init = _sub(root, "CstmrCdtTrfInitn")

    hdr = _sub(init, "GrpHdr")
    _sub(hdr, "MsgId", t.msg_id)
    _sub(hdr, "CreDtTm", created.isoformat().replace("+00:00", "Z"))
    _sub(hdr, "NbOfTxs", "1")
    _sub(hdr, "CtrlSum", amount)
    _path(hdr, "InitgPty/Nm", t.debtor_name)

    pmt = _sub(init, "PmtInf")
    _sub(pmt, "PmtInfId", t.pmt_inf_id)
    _sub(pmt, "PmtMtd", "TRF")
    _sub(pmt, "BtchBookg", "false")  # one booking per transfer: returns match one payout
    _sub(pmt, "NbOfTxs", "1")
    _sub(pmt, "CtrlSum", amount)
    _path(pmt, "PmtTpInf/SvcLvl/Cd", "SEPA")
    _path(pmt, "ReqdExctnDt/Dt", t.execution_date.isoformat())
    _path(pmt, "Dbtr/Nm", t.debtor_name)
    _path(pmt, "DbtrAcct/Id/IBAN", t.debtor_iban)
    agent = _sub(_sub(pmt, "DbtrAgt"), "FinInstnId")
    if t.debtor_bic:
        _sub(agent, "BICFI", t.debtor_bic)
    else:  # EPC: "NOTPROVIDED" when the BIC is not given
        _path(agent, "Othr/Id", "NOTPROVIDED")
    _sub(pmt, "ChrgBr", "SLEV")

    tx = _sub(pmt, "CdtTrfTxInf")
    pid = _sub(tx, "PmtId")
    _sub(pid, "InstrId", t.instr_id)
    _sub(pid, "EndToEndId", t.end_to_end_id)
    _sub(_sub(tx, "Amt"), "InstdAmt", amount, Ccy=t.currency)
    if t.creditor_bic:
        _path(tx, "CdtrAgt/FinInstnId/BICFI", t.creditor_bic)
    cdtr = _sub(tx, "Cdtr")
    _sub(cdtr, "Nm", t.creditor_name)
    if t.creditor_country:
        _path(cdtr, "PstlAdr/Ctry", t.creditor_country)
    _path(tx, "CdtrAcct/Id/IBAN", t.creditor_iban)
    if t.remittance:
        _path(tx, "RmtInf/Ustrd", t.remittance)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@lru_cache(maxsize=8)
def schema(name: str) -> etree.XMLSchema:
    """The XSD ``schemas/<name>.xsd`` (cached)."""
    with (SCHEMA_DIR / f"{name}.xsd").open("rb") as fh:
        return etree.XMLSchema(etree.parse(fh, _parser()))


def validate(document: bytes | etree._Element, name: str) -> None:
    """Raise :class:`SchemaError` with the schema's messages if ``document`` is not valid."""
    tree = parse_xml(document) if isinstance(document, bytes) else document
    xsd = schema(name)
    if not xsd.validate(tree):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:5])
        raise SchemaError(f"{name} does not validate: {errors}")


def validate_pain001(document: bytes | etree._Element) -> None:
    validate(document, "pain.001.001.09")


# --------------------------------------------------------------------------- parsing helpers


@lru_cache(maxsize=1)
def _parser() -> etree.XMLParser:
    # no DTDs, no entities, no network: documents come from outside
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(body: bytes) -> etree._Element:
    try:
        return etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlFormatError(f"not well-formed XML: {exc}") from exc


def _t(el: etree._Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    if found is None or found.text is None:
        return None
    return str(found.text).strip()


def _ns(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""


# --------------------------------------------------------------------------- pain.002

# ExternalPaymentTransactionStatus1Code / ExternalPaymentGroupStatus1Code
SUCCESS_STATUSES = frozenset({"ACSC", "ACCC"})  # settlement completed (debtor / creditor side)
PENDING_STATUSES = frozenset(
    {"RCVD", "ACTC", "ACCP", "ACSP", "ACWC", "ACWP", "ACFC", "PATC", "PDNG", "ACIS", "PART"}
)
FAILED_STATUSES = frozenset({"RJCT", "CANC"})


class TxStatus(msgspec.Struct, kw_only=True, frozen=True):
    end_to_end_id: str | None
    instr_id: str | None
    status: str | None
    reason: str | None = None
    info: str | None = None


class StatusReport(msgspec.Struct, kw_only=True, frozen=True):
    msg_id: str | None
    original_msg_id: str | None
    group_status: str | None
    group_reason: str | None
    group_info: str | None
    payment_status: str | None
    payment_reason: str | None
    transactions: tuple[TxStatus, ...]


def _reason(el: etree._Element | None) -> tuple[str | None, str | None]:
    if el is None:
        return None, None
    rsn = el.find("{*}StsRsnInf")
    if rsn is None:
        return None, None
    code = _t(rsn, "{*}Rsn/{*}Cd") or _t(rsn, "{*}Rsn/{*}Prtry")
    info = " ".join(a.text.strip() for a in rsn.findall("{*}AddtlInf") if a.text) or None
    return code, info


def parse_pain002(body: bytes | etree._Element) -> StatusReport:
    """Read a pain.002 status report (v10; older versions with the same shape too)."""
    root = parse_xml(body) if isinstance(body, bytes) else body
    ns = _ns(root)
    if not ns.startswith("urn:iso:std:iso:20022:tech:xsd:pain.002."):
        raise XmlFormatError(f"not a pain.002 document (namespace {ns!r})")
    rpt = root.find("{*}CstmrPmtStsRpt")
    if rpt is None:
        raise XmlFormatError("pain.002 without CstmrPmtStsRpt")
    grp = rpt.find("{*}OrgnlGrpInfAndSts")
    g_code, g_info = _reason(grp)
    pmt = rpt.find("{*}OrgnlPmtInfAndSts")
    p_code, _ = _reason(pmt)
    txs: list[TxStatus] = []
    for tx in rpt.iterfind("{*}OrgnlPmtInfAndSts/{*}TxInfAndSts"):
        code, info = _reason(tx)
        txs.append(
            TxStatus(
                end_to_end_id=_t(tx, "{*}OrgnlEndToEndId"),
                instr_id=_t(tx, "{*}OrgnlInstrId"),
                status=_t(tx, "{*}TxSts"),
                reason=code,
                info=info,
            )
        )
    return StatusReport(
        msg_id=_t(rpt, "{*}GrpHdr/{*}MsgId"),
        original_msg_id=_t(grp, "{*}OrgnlMsgId"),
        group_status=_t(grp, "{*}GrpSts"),
        group_reason=g_code,
        group_info=g_info,
        payment_status=_t(pmt, "{*}PmtInfSts"),
        payment_reason=p_code,
        transactions=tuple(txs),
    )


def outcome_from_status_report(
    report: StatusReport, *, end_to_end_id: str | None = None, provider_reference: str | None = None
) -> Outcome:
    """The outcome of our one transfer according to a status report.

    The most specific status wins: the transaction's (matched by EndToEndId, or
    the only one), else the payment information's, else the group's; a group
    RJCT rejects the whole file whatever the transactions say.
    """
    tx: TxStatus | None = None
    for candidate in report.transactions:
        if end_to_end_id is None or candidate.end_to_end_id == end_to_end_id:
            tx = candidate
            break
    summary: dict[str, Any] = {
        "group_status": report.group_status,
        "payment_status": report.payment_status,
        "transaction_status": tx.status if tx else None,
        "status_report": report.msg_id,
    }
    if report.group_status == "RJCT":
        status: str | None = "RJCT"
        reason = (tx.reason if tx and tx.status == "RJCT" else None) or report.group_reason
        info = (tx.info if tx and tx.status == "RJCT" else None) or report.group_info
    elif tx is not None and tx.status:
        status, reason, info = tx.status, tx.reason, tx.info
    elif report.payment_status:
        status, reason, info = report.payment_status, report.payment_reason, None
    else:
        status, reason, info = report.group_status, report.group_reason, report.group_info
    summary["reason"] = reason
    if status in SUCCESS_STATUSES:
        return Outcome(status=OutcomeStatus.SUCCEEDED, provider_reference=provider_reference, summary=summary)
    if status in FAILED_STATUSES:
        return Outcome(
            status=OutcomeStatus.FAILED,
            provider_reference=provider_reference,
            failure=reason_failure(FailureCode.PAYOUT_REJECTED, reason, info),
            summary=summary,
        )
    if status in PENDING_STATUSES:
        return Outcome(
            status=OutcomeStatus.PENDING,
            provider_reference=provider_reference,
            reason=f"bank status {status}: accepted, not yet settled",
            summary=summary,
        )
    return Outcome(
        status=OutcomeStatus.UNKNOWN,
        provider_reference=provider_reference,
        reason=f"status report without a known status ({status!r})",
        summary=summary,
    )


# --------------------------------------------------------------------------- camt.054


class CamtTransaction(msgspec.Struct, kw_only=True, frozen=True):
    end_to_end_id: str | None
    msg_id: str | None
    pmt_inf_id: str | None
    instr_id: str | None
    amount_cents: int | None
    return_reason: str | None
    return_info: str | None
    remittance: str | None


class CamtEntry(msgspec.Struct, kw_only=True, frozen=True):
    ref: str | None
    amount_cents: int
    currency: str
    credit_debit: str  # CRDT | DBIT
    status: str | None  # BOOK | PDNG | INFO ...
    reversal: bool
    booking_date: str | None
    acct_svcr_ref: str | None
    bank_tx_code: str | None  # "PMNT.ICDT.ESCT"
    transactions: tuple[CamtTransaction, ...]


class CamtNotification(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    created_at: str | None
    iban: str | None
    entries: tuple[CamtEntry, ...]


def parse_camt054(body: bytes | etree._Element) -> list[CamtNotification]:
    root = parse_xml(body) if isinstance(body, bytes) else body
    ns = _ns(root)
    if not ns.startswith("urn:iso:std:iso:20022:tech:xsd:camt.054."):
        raise XmlFormatError(f"not a camt.054 document (namespace {ns!r})")
    msg = root.find("{*}BkToCstmrDbtCdtNtfctn")
    if msg is None:
        raise XmlFormatError("camt.054 without BkToCstmrDbtCdtNtfctn")
    out: list[CamtNotification] = []
    for ntf in msg.iterfind("{*}Ntfctn"):
        ntf_id = _t(ntf, "{*}Id")
        if not ntf_id:
            raise XmlFormatError("camt.054 notification without Id")
        entries: list[CamtEntry] = []
        for ntry in ntf.iterfind("{*}Ntry"):
            amt = ntry.find("{*}Amt")
            if amt is None or amt.text is None:
                raise XmlFormatError(f"camt.054 entry without amount in notification {ntf_id}")
            domain = [_t(ntry, f"{{*}}BkTxCd/{{*}}Domn/{p}") for p in ("{*}Cd", "{*}Fmly/{*}Cd")]
            sub = _t(ntry, "{*}BkTxCd/{*}Domn/{*}Fmly/{*}SubFmlyCd")
            code = ".".join(c for c in (*domain, sub) if c) or _t(ntry, "{*}BkTxCd/{*}Prtry/{*}Cd")
            txs: list[CamtTransaction] = []
            for tx in ntry.iterfind("{*}NtryDtls/{*}TxDtls"):
                tx_amt = _t(tx, "{*}Amt")
                ustrd = " ".join(u.text.strip() for u in tx.iterfind("{*}RmtInf/{*}Ustrd") if u.text)
                txs.append(
                    CamtTransaction(
                        end_to_end_id=_t(tx, "{*}Refs/{*}EndToEndId"),
                        msg_id=_t(tx, "{*}Refs/{*}MsgId"),
                        pmt_inf_id=_t(tx, "{*}Refs/{*}PmtInfId"),
                        instr_id=_t(tx, "{*}Refs/{*}InstrId"),
                        amount_cents=amount_to_cents(tx_amt) if tx_amt else None,
                        return_reason=_t(tx, "{*}RtrInf/{*}Rsn/{*}Cd") or _t(tx, "{*}RtrInf/{*}Rsn/{*}Prtry"),
                        return_info=" ".join(
                            a.text.strip() for a in tx.iterfind("{*}RtrInf/{*}AddtlInf") if a.text
                        )
                        or None,
                        remittance=ustrd or None,
                    )
                )
            entries.append(
                CamtEntry(
                    ref=_t(ntry, "{*}NtryRef"),
                    amount_cents=amount_to_cents(amt.text),
                    currency=amt.get("Ccy", ""),
                    credit_debit=_t(ntry, "{*}CdtDbtInd") or "",
                    status=_t(ntry, "{*}Sts/{*}Cd") or _t(ntry, "{*}Sts"),
                    reversal=(_t(ntry, "{*}RvslInd") or "false").lower() == "true",
                    booking_date=_t(ntry, "{*}BookgDt/{*}Dt") or _t(ntry, "{*}BookgDt/{*}DtTm"),
                    acct_svcr_ref=_t(ntry, "{*}AcctSvcrRef"),
                    bank_tx_code=code,
                    transactions=tuple(txs),
                )
            )
        out.append(
            CamtNotification(
                id=ntf_id,
                created_at=_t(ntf, "{*}CreDtTm"),
                iban=_t(ntf, "{*}Acct/{*}Id/{*}IBAN"),
                entries=tuple(entries),
            )
        )
    return out


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def events_from_notifications(
    notifications: list[CamtNotification], *, cursor: str | None, next_cursor: str | None = None
) -> NotificationBatch:
    """Booked debits of our transfers -> payout SUCCEEDED; return credits -> payout RETURNED.

    Entries that are not about one of our payouts (incoming transfers, fees,
    entries not yet booked) are left out. The event id is the entry reference
    (``NtryRef``, else ``AcctSvcrRef``, else ``<notification id>/<n>``), so a
    notification read twice is deduped by the hub's inbox.
    """
    events: list[ProviderEvent] = []
    for ntf in notifications:
        for index, entry in enumerate(ntf.entries):
            if entry.status not in (None, "BOOK"):
                continue
            returned = entry.credit_debit == "CRDT" and any(tx.return_reason for tx in entry.transactions)
            booked_debit = entry.credit_debit == "DBIT" and not entry.reversal
            if not (returned or booked_debit):
                continue
            for n, tx in enumerate(entry.transactions):
                payout_id = decode_payout_id(tx.end_to_end_id, tx.remittance)
                if payout_id is None:
                    continue
                base_id = entry.ref or entry.acct_svcr_ref or f"{ntf.id}/{index}"
                event_id = base_id if len(entry.transactions) == 1 else f"{base_id}/{n}"
                amount = tx.amount_cents if tx.amount_cents is not None else entry.amount_cents
                summary = {
                    "notification": ntf.id,
                    "entry": base_id,
                    "end_to_end_id": tx.end_to_end_id,
                    "bank_transaction_code": entry.bank_tx_code,
                    "booking_date": entry.booking_date,
                }
                if returned:
                    outcome = Outcome(
                        status=OutcomeStatus.RETURNED,
                        operation_reference=entry.acct_svcr_ref,
                        amount=amount,
                        failure=reason_failure(FailureCode.PAYOUT_RETURNED, tx.return_reason, tx.return_info),
                        summary={**summary, "return_reason": tx.return_reason},
                    )
                else:
                    outcome = Outcome(
                        status=OutcomeStatus.SUCCEEDED,
                        operation_reference=entry.acct_svcr_ref,
                        amount=amount,
                        summary=summary,
                    )
                events.append(
                    ProviderEvent(
                        event_id=event_id,
                        type=entry.bank_tx_code or ("return" if returned else "debit"),
                        kind=OperationKind.PAYOUT,
                        outcome=outcome,
                        payment_id=payout_id,
                        operation_reference=entry.acct_svcr_ref,
                        occurred_at=_when(ntf.created_at) or _when(entry.booking_date),
                    )
                )
    last = notifications[-1].id if notifications else None
    return NotificationBatch(events=events, next_cursor=next_cursor or last or cursor)
