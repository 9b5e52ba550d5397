"""A SEPA bank's ``camt.053.001.08`` account statements as settlement lines
(``Capability.RECONCILIATION``, DESIGN §14).

``GET {base_url}/statements?from=YYYY-MM-DD&to=YYYY-MM-DD`` (path overridable as
``settings.paths.statements``) answers one camt.053 document with one ``Stmt`` per day of the
window (``from`` and ``to`` inclusive: the UTC dates of ``[start, end)``). The document is
validated against the official XSD (``schemas/camt.053.001.08.xsd``, lxml as for pain.001);
an invalid or unreadable one raises ``ReportError(report_malformed)``. Each statement is one
page. Only booked entries (``Sts/Cd`` = ``BOOK``) count; an entry with several
``TxDtls`` (batch booking) gives one line per transaction.

* a debit of one of the hub's credit transfers (its ``EndToEndId`` is the payout id, its
  ``MsgId`` / ``PmtInfId`` the operation id: :func:`adapters.sepa.mapping.end_to_end_id_for`)
  -> ``bank_payout`` (gross < 0), ``resource_id`` = the payout id;
* a credit returning such a transfer (``RtrInf`` or sub-family ``RRTN``) -> ``bank_payout_return``;
* a charge (family / sub-family ``CHRG``) -> ``fee``;
* any other credit (a provider's payout arriving, a customer's transfer) -> ``deposit``, the
  remittance information (``Ustrd``) in ``description``, the debtor's name in the summary;
* any other debit -> ``other``.

``line_id`` is the entry's ``AcctSvcrRef`` (else ``NtryRef``, else ``<statement id>/<n>``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from lxml import etree

from adapters.report_http import get_report
from adapters.sepa import mapping
from adapters.settlement import (
    LineType,
    ReportError,
    ReportErrorCode,
    SettlementLine,
    SettlementPage,
    SettlementRequest,
)

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
SCHEMA = "camt.053.001.08"
_OP = re.compile(r"op-[A-Za-z0-9-]+")


def malformed(reason: str) -> ReportError:
    return ReportError(ReportErrorCode.MALFORMED, f"bank statement: {reason}")


def window_dates(request: SettlementRequest) -> tuple[date, date]:
    """The UTC dates ``[from, to]`` (inclusive) covering ``[start, end)``."""
    first = request.start.astimezone(UTC).date()
    last = (request.end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return first, max(first, last)


def _t(el: etree._Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    return str(found.text).strip() if found is not None and found.text else None


def _booked_at(ntry: etree._Element) -> tuple[datetime | None, bool]:
    """When the entry was booked, and whether the bank gave a time (DtTm) or only a date."""
    stamp = _t(ntry, "{*}BookgDt/{*}DtTm")
    if stamp:
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError as exc:
            raise malformed(f"booking time {stamp!r} is not ISO 8601") from exc
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), True
    day = _t(ntry, "{*}BookgDt/{*}Dt") or _t(ntry, "{*}ValDt/{*}Dt")
    if day:
        return datetime.combine(date.fromisoformat(day), time(), UTC), False
    return None, False


def _code(ntry: etree._Element) -> tuple[str | None, str | None, str | None, str | None]:
    domn = ntry.find("{*}BkTxCd/{*}Domn")
    prtry = _t(ntry, "{*}BkTxCd/{*}Prtry/{*}Cd")
    if domn is None:
        return None, None, None, prtry
    return _t(domn, "{*}Cd"), _t(domn, "{*}Fmly/{*}Cd"), _t(domn, "{*}Fmly/{*}SubFmlyCd"), prtry


def _operation_id(tx: etree._Element) -> str | None:
    for path in ("{*}Refs/{*}PmtInfId", "{*}Refs/{*}MsgId", "{*}Refs/{*}InstrId"):
        value = _t(tx, path)
        if value and _OP.fullmatch(value):
            return value.replace("-", "_")
    return None


def entry_lines(stmt_id: str, index: int, ntry: etree._Element) -> Iterator[SettlementLine]:
    amt = ntry.find("{*}Amt")
    if amt is None or not amt.text:
        raise malformed(f"{stmt_id}: an entry without amount")
    currency = amt.get("Ccy", "").upper()
    debit = _t(ntry, "{*}CdtDbtInd") == "DBIT"
    status = _t(ntry, "{*}Sts/{*}Cd") or _t(ntry, "{*}Sts/{*}Prtry")
    booked_at, _ = _booked_at(ntry)
    if booked_at is None:
        raise malformed(f"{stmt_id}: entry {index} has no booking date")
    domain, family, sub_family, prtry = _code(ntry)
    code = "/".join(c for c in (domain, family, sub_family) if c) or prtry or ""
    base_id = _t(ntry, "{*}AcctSvcrRef") or _t(ntry, "{*}NtryRef") or f"{stmt_id}/{index}"
    txs = ntry.findall("{*}NtryDtls/{*}TxDtls") or [None]
    for n, tx in enumerate(txs):
        tx_amt = _t(tx, "{*}Amt") if tx is not None and len(txs) > 1 else None
        try:
            cents = mapping.amount_to_cents(tx_amt or amt.text)
        except mapping.XmlFormatError as exc:
            raise malformed(f"{stmt_id}: {exc}") from exc
        gross = -cents if debit else cents
        e2e = _t(tx, "{*}Refs/{*}EndToEndId")
        e2e = None if e2e == "NOTPROVIDED" else e2e
        remittance = (
            " ".join(u.text.strip() for u in tx.iterfind("{*}RmtInf/{*}Ustrd") if u.text)
            if tx is not None
            else ""
        )
        return_reason = _t(tx, "{*}RtrInf/{*}Rsn/{*}Cd") or _t(tx, "{*}RtrInf/{*}Rsn/{*}Prtry")
        payout_id = mapping.decode_payout_id(e2e, remittance or None)
        party = "{*}RltdPties/{*}Dbtr" if not debit else "{*}RltdPties/{*}Cdtr"
        name = _t(tx, f"{party}/{{*}}Pty/{{*}}Nm") or _t(tx, f"{party}/{{*}}Nm")
        iban = _t(
            tx,
            "{*}RltdPties/{*}DbtrAcct/{*}Id/{*}IBAN"
            if not debit
            else "{*}RltdPties/{*}CdtrAcct/{*}Id/{*}IBAN",
        )
        if not debit and (return_reason or sub_family == "RRTN") and payout_id:
            type_ = LineType.BANK_PAYOUT_RETURN
        elif "CHRG" in (family, sub_family):
            type_ = LineType.FEE
        elif debit and payout_id:
            type_ = LineType.BANK_PAYOUT
        elif not debit:
            type_ = LineType.DEPOSIT
        else:
            type_ = LineType.OTHER
        summary: dict[str, Any] = {
            "statement": stmt_id,
            "bank_transaction_code": code,
            "entry_ref": _t(ntry, "{*}NtryRef"),
        }
        if name:
            summary["debtor_name" if not debit else "creditor_name"] = name
        if iban:
            summary["debtor_iban" if not debit else "creditor_iban"] = iban
        if return_reason:
            summary["return_reason"] = return_reason
        if e2e:
            summary["end_to_end_id"] = e2e
        yield SettlementLine(
            line_id=base_id if len(txs) == 1 else f"{base_id}/{n}",
            type=type_,
            provider_type=code or ("DBIT" if debit else "CRDT"),
            gross=gross,
            fee=0,
            net=gross,
            currency=currency,
            created_at=booked_at,
            provider_reference=e2e or _t(ntry, "{*}AcctSvcrRef"),
            resource_id=payout_id,
            operation_id=_operation_id(tx) if tx is not None and payout_id else None,
            status=status,
            description=remittance or _t(ntry, "{*}AddtlNtryInf"),
            summary=summary,
        )


def parse_statements(
    body: bytes, request: SettlementRequest, iban: str | None = None
) -> Iterator[tuple[str, list[SettlementLine]]]:
    """``(statement id, its booked lines in the window)`` per ``Stmt`` of a valid camt.053;
    a statement of another account than ``iban`` (when given) makes the document malformed."""
    try:
        root = mapping.parse_xml(body)
        if (etree.QName(root).namespace or "") != CAMT053_NS:
            raise malformed(f"not a camt.053.001.08 document (namespace {etree.QName(root).namespace!r})")
        mapping.validate(root, SCHEMA)
    except (mapping.XmlFormatError, mapping.SchemaError) as exc:
        raise malformed(str(exc)) from exc
    first, last = window_dates(request)
    for n, stmt in enumerate(root.iterfind("{*}BkToCstmrStmt/{*}Stmt")):
        stmt_id = _t(stmt, "{*}Id") or f"stmt-{n}"
        account = _t(stmt, "{*}Acct/{*}Id/{*}IBAN")
        if iban and account and account.replace(" ", "").upper() != iban.replace(" ", "").upper():
            raise malformed(f"{stmt_id} is the statement of another account ({account[:4]}...)")
        lines: list[SettlementLine] = []
        for index, ntry in enumerate(stmt.iterfind("{*}Ntry")):
            if (_t(ntry, "{*}Sts/{*}Cd") or "BOOK") != "BOOK":
                continue
            _, timed = _booked_at(ntry)
            for line in entry_lines(stmt_id, index, ntry):
                inside = (
                    request.start <= line.created_at < request.end if timed
                    else first <= line.created_at.date() <= last
                )  # fmt: skip
                if inside:
                    lines.append(line)
        yield stmt_id, lines


async def read_lines(
    client: httpx.AsyncClient, path: str, request: SettlementRequest, iban: str | None = None
) -> AsyncIterator[SettlementPage]:
    first, last = window_dates(request)
    response = await get_report(
        client, path, "bank statements", params={"from": first.isoformat(), "to": last.isoformat()},
        headers={"Accept": "application/xml"},
    )  # fmt: skip
    for _, lines in parse_statements(response.content, request, iban):
        size = max(1, request.page_size)
        for i in range(0, max(1, len(lines)), size):
            yield SettlementPage(lines=lines[i : i + size])
