"""Adyen's Settlement details report as settlement lines (``Capability.RECONCILIATION``, DESIGN §14).

The report of payable batch ``n`` is downloaded from
``{report_base_url}/reports/download/MerchantAccount/{merchant}/settlement_detail_report_batch_{n}.csv``
with HTTP basic auth (the report user: credentials ``report_username`` / ``report_password``;
setting ``report_base_url``, ``https://ca-test.adyen.com`` by default). Batches are read in
order from ``request.cursor`` (else the setting ``report_batch_start``, default 1) up to the
first 404 (that batch has not closed yet). Each batch is streamed and yielded in pages of
``page_size`` lines; a batch's last page has ``cursor`` = the next batch number, the pages
before it the batch's own number (re-read it if the run stops half-way).

A record becomes a line by its ``Type`` (:data:`TYPES`); amounts are Adyen's decimal strings in
major units, converted exactly with the ISO exponent; ``gross`` = ``Gross Credit (GC)`` -
``Gross Debit (GC)`` (``Net`` when the record has no gross), ``fee`` = ``Commission`` +
``Markup`` + ``Scheme Fees`` + ``Interchange`` (NC), ``net`` = gross - fee. Only records whose
``Creation Date`` falls in the window are kept.

References: a payment's ``Psp Reference`` is what the adapter stores as the payment's provider
reference, its ``Merchant Reference`` the hub's payment id (the adapter sends
``reference=payment_id``); a refund's ``Modification Reference`` is the refund's own PSP
reference and its ``Modification Merchant Reference`` the hub's refund id
(``reference=refund_id``), the payment's ``Psp Reference`` its ``parent_reference``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from adapters.adyen import report_csv as rc
from adapters.base import Account
from adapters.report_http import check_status
from adapters.settlement import (
    LineType,
    ReportError,
    ReportErrorCode,
    SettlementLine,
    SettlementPage,
    SettlementRequest,
)

DEFAULT_REPORT_BASE_URL = "https://ca-test.adyen.com"
REPORT_PATH = "/reports/download/MerchantAccount/{merchant}/settlement_detail_report_batch_{n}.csv"

# Adyen journal types (the ``Type`` column) -> LineType
TYPES: Mapping[str, LineType] = {
    "Settled": LineType.CHARGE,
    "SettledBulk": LineType.CHARGE,
    "Refunded": LineType.REFUND,
    "RefundedBulk": LineType.REFUND,
    "RefundedReversed": LineType.REFUND_FAILURE,
    "Chargeback": LineType.DISPUTE,
    "SecondChargeback": LineType.DISPUTE,
    "ChargebackReversed": LineType.DISPUTE_REVERSAL,
    "Fee": LineType.FEE,
    "MiscCosts": LineType.FEE,
    "InvoiceDeduction": LineType.FEE,
    "AuthorisationSchemeFee": LineType.FEE,
    "MerchantPayout": LineType.PAYOUT,
    "BankInstructionReturned": LineType.PAYOUT_REVERSAL,
    "DepositCorrection": LineType.ADJUSTMENT,
    "Balancetransfer": LineType.ADJUSTMENT,
    "ManualCorrected": LineType.ADJUSTMENT,
    "MatchedStatement": LineType.ADJUSTMENT,
    "ReserveAdjustment": LineType.ADJUSTMENT,
    "InternalCompanyPayout": LineType.ADJUSTMENT,
}
_REFUNDS = (LineType.REFUND, LineType.REFUND_FAILURE)
_DISPUTES = (LineType.DISPUTE, LineType.DISPUTE_REVERSAL)


def settings_of(account: Account) -> tuple[str, int]:
    """``(report_base_url, report_batch_start)``; ValueError naming the setting at fault."""
    base = str(account.settings.get("report_base_url") or DEFAULT_REPORT_BASE_URL).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError("settings.report_base_url must be an http(s) URL")
    start = account.settings.get("report_batch_start", 1)
    if (
        isinstance(start, bool)
        or not isinstance(start, int | str)
        or not str(start).isdigit()
        or int(start) < 1
    ):
        raise ValueError("settings.report_batch_start must be a batch number (1 or more)")
    return base, int(start)


def problems(account: Account) -> list[str]:
    """What is wrong with the report settings (report credentials are optional)."""
    out = []
    user, password = account.credentials.get("report_username"), account.credentials.get("report_password")
    if bool(user) != bool(password):
        out.append("credentials.report_username and credentials.report_password go together")
    try:
        settings_of(account)
    except ValueError as exc:
        out.append(str(exc))
    return out


def to_line(rec: Mapping[str, str], batch: int, line_id: str) -> SettlementLine:
    type_name = rec["Type"]
    type_ = TYPES.get(type_name, LineType.OTHER)
    net_cur = rec["Net Currency"].upper()
    gross_cur = rec["Gross Currency"].upper() or net_cur
    currency = net_cur or gross_cur
    if len(currency) != 3 or not currency.isalpha():
        raise rc.malformed(f"{line_id}: no currency")
    fee = sum(
        rc.minor_units(rec[c], currency, c)
        for c in ("Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)")
    )
    net = rc.minor_units(rec["Net Credit (NC)"], currency, "Net Credit (NC)") - rc.minor_units(
        rec["Net Debit (NC)"], currency, "Net Debit (NC)"
    )
    has_gross = bool(rec["Gross Credit (GC)"] or rec["Gross Debit (GC)"])
    gross_gc = rc.minor_units(rec["Gross Credit (GC)"], gross_cur, "Gross Credit (GC)") - rc.minor_units(
        rec["Gross Debit (GC)"], gross_cur, "Gross Debit (GC)"
    )
    # the balance's view: in the net currency; a gross in another currency (FX) is kept aside
    gross = gross_gc if has_gross and gross_cur == currency else net + fee
    summary: dict[str, Any] = {"batch": batch, "type": type_name, "net_reported": net}
    if has_gross and gross_cur != currency:
        summary.update(
            gross_currency=gross_cur, gross_amount=gross_gc, exchange_rate=rec.get("Exchange Rate")
        )
    for key, col in (("payment_method", "Payment Method"), ("variant", "Payment Method Variant")):
        if rec.get(col):
            summary[key] = rec[col]
    psp, mod_ref = rec["Psp Reference"] or None, rec["Modification Reference"] or None
    merchant_ref = rec["Merchant Reference"] or None
    mod_merchant_ref = rec.get("Modification Merchant Reference") or None
    provider_ref, parent, resource, description = psp, None, merchant_ref, None
    if type_ in _REFUNDS:
        provider_ref, parent, resource = mod_ref or psp, psp, mod_merchant_ref or None
    elif type_ in _DISPUTES:
        provider_ref, parent = mod_ref or psp, psp
    elif psp is None:  # a batch-level record (fees, payout, corrections): its label is the reference
        provider_ref, description = mod_ref, mod_ref
    if mod_ref:
        summary["modification_reference"] = mod_ref
    return SettlementLine(
        line_id=line_id,
        type=type_,
        provider_type=type_name,
        gross=gross,
        fee=fee,
        net=gross - fee,
        currency=currency,
        created_at=rc.creation_date(rec["Creation Date"], rec["TimeZone"]),
        provider_reference=provider_ref,
        resource_id=resource,
        parent_reference=parent if parent != provider_ref else None,
        status="settled",
        description=description,
        summary=summary,
    )


async def read_lines(
    client: httpx.AsyncClient, account: Account, request: SettlementRequest
) -> AsyncIterator[SettlementPage]:
    user = account.credentials.get("report_username")
    password = account.credentials.get("report_password")
    merchant = account.credentials.get("merchant_account")
    if not user or not password or not merchant:
        raise ReportError(
            ReportErrorCode.NOT_CONFIGURED,
            "the Adyen settlement report needs credentials.report_username, credentials.report_password "
            "and credentials.merchant_account",
        )
    try:
        base, start = settings_of(account)
        batch = int(request.cursor) if request.cursor else start
    except ValueError as exc:
        raise ReportError(ReportErrorCode.NOT_CONFIGURED, str(exc)) from exc
    size = max(1, request.page_size)
    while True:
        url = base + REPORT_PATH.format(merchant=quote(merchant, safe=""), n=batch)
        what = f"Adyen settlement report batch {batch}"
        got = False
        stream = _stream_batch(client, url, (user, password), what, batch, request, size, merchant)
        async for chunk, last in stream:
            got = True
            yield SettlementPage(lines=chunk, cursor=str(batch + 1 if last else batch))
        if not got:  # 404: batch not closed yet; nothing more to read
            return
        batch += 1


async def _stream_batch(
    client: httpx.AsyncClient,
    url: str,
    auth: tuple[str, str],
    what: str,
    batch: int,
    request: SettlementRequest,
    size: int,
    merchant: str,
) -> AsyncIterator[tuple[list[SettlementLine], bool]]:
    """``(lines, last)`` chunks of one batch; nothing at all when the batch is not there (404).
    Records of another merchant account (a company-level report) are left out."""
    try:
        async with client.stream("GET", url, auth=auth, headers={"Accept": "text/csv"}) as response:
            if response.status_code == 404:
                return
            check_status(response, what)
            header: rc.Header | None = None
            chunk: list[SettlementLine] = []
            seen: dict[str, int] = {}
            async for n, fields in rc.records(response.aiter_lines()):
                if header is None:
                    header = rc.Header(fields)
                    continue
                rec = header.record(fields, n)
                if not any(rec.values()) or rec.get("Merchant Account", merchant) not in (merchant, ""):
                    continue
                key = f"{batch}/{rec['Type']}/{rec['Psp Reference'] or '-'}/{rec['Modification Reference'] or '-'}"
                seen[key] = seen.get(key, 0) + 1
                line_id = key if seen[key] == 1 else f"{key}#{seen[key]}"
                try:
                    line = to_line(rec, batch, line_id)
                except ReportError as exc:
                    raise rc.malformed(f"{what}, line {n}: {exc.reason}") from exc
                if request.start <= line.created_at < request.end:
                    chunk.append(line)
                if len(chunk) >= size:
                    yield chunk, False
                    chunk = []
            if header is None:
                raise rc.malformed(f"{what}: empty file, no header line")
            yield chunk, True
    except httpx.HTTPError as exc:
        raise ReportError(ReportErrorCode.UNAVAILABLE, f"{what}: {type(exc).__name__}") from exc
    except UnicodeDecodeError as exc:
        raise rc.malformed(f"{what}: not text ({exc.reason})") from exc
