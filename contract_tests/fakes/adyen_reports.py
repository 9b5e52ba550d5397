"""The Adyen fake's Settlement details reports (Adyen docs: "Settlement details report").

Every money movement the fake notifies (an immediate-capture AUTHORISATION, CAPTURE, REFUND,
REFUND_FAILED, CHARGEBACK, SECOND_CHARGEBACK, CHARGEBACK_REVERSED) books a record in the open
payable batch; :meth:`AdyenReports.close_batch` closes it (adding the batch's ``Fee`` and
``MerchantPayout`` records) into ``settlement_detail_report_batch_{n}.csv``, served at
``GET /reports/download/MerchantAccount/{merchant}/settlement_detail_report_batch_{n}.csv``:

* HTTP basic auth with the report user (``report_username`` / ``report_password``): missing or
  wrong -> 401; another merchant account -> 403;
* a batch that has not closed (or any other file name) -> 404.

Tests inject discrepancies in the open batch with :meth:`AdyenReports.add_record` /
:meth:`AdyenReports.book` (a record the hub never saw, or an altered copy) and
:meth:`AdyenReports.drop`.

Records carry Adyen's documented columns in its order, amounts as decimal strings in major
units, ``Creation Date`` in the account's report time zone (``time_zone``, Europe/Amsterdam)
with the abbreviation in effect (``CET`` / ``CEST``) in ``TimeZone``. Fees of a Settled record:
markup 0.3 %, scheme fees 0.2 % and interchange 1.2 % of the gross (in minor units, rounded
half up); a chargeback pays a commission of 7.5 major units.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get

from adapters.adyen.mapping import adyen_exponent
from adapters.adyen.report_csv import ALL_COLUMNS

COMPANY = "PayhubTestCompany"
DOWNLOAD = "/reports/download/MerchantAccount/{merchant:str}/{name:str}"
_NAME = re.compile(r"settlement_detail_report_batch_(\d+)\.csv")
# eventCode -> (journal type, credit?)
EVENTS: Mapping[str, tuple[str, bool]] = {
    "CAPTURE": ("Settled", True),
    "REFUND": ("Refunded", False),
    "REFUND_FAILED": ("RefundedReversed", True),
    "CHARGEBACK": ("Chargeback", False),
    "SECOND_CHARGEBACK": ("SecondChargeback", False),
    "CHARGEBACK_REVERSED": ("ChargebackReversed", True),
}


def major(value: int, currency: str) -> str:
    """Adyen minor units -> the report's decimal string (``1234`` EUR -> ``12.34``)."""
    exp = adyen_exponent(currency)
    return f"{Decimal(value).scaleb(-exp):.{exp}f}"


def _pct(value: int, per_mille: int) -> int:
    return (value * per_mille + 500) // 1000


class AdyenReports:
    def __init__(self, merchant_account: Callable[[], str], payment_reference: Callable[[str], str | None]) -> None:
        self._merchant = merchant_account
        self._payment_reference = payment_reference
        self.username = f"report@Company.{COMPANY}"
        self.password = secrets.token_urlsafe(18)
        self.time_zone = "Europe/Amsterdam"
        self.open_records: list[dict[str, str]] = []
        self.batches: dict[int, bytes] = {}  # batch number -> CSV
        self.next_batch = 1
        self.requests: list[str] = []  # paths asked for

    # ---------------------------------------------------------------- booking

    def _when(self, at: datetime | None) -> dict[str, str]:
        local = (at or datetime.now(UTC)).astimezone(ZoneInfo(self.time_zone))
        return {"Creation Date": local.strftime("%Y-%m-%d %H:%M:%S"), "TimeZone": local.tzname() or "UTC"}

    def add_record(self, type_: str, *, at: datetime | None = None, **columns: str) -> dict[str, str]:
        """Book a record of journal type ``type_`` in the open batch (columns by name)."""
        rec = {"Company Account": COMPANY, "Merchant Account": self._merchant(), "Type": type_,
               **self._when(at), **columns}  # fmt: skip
        unknown = set(rec) - set(ALL_COLUMNS)
        if unknown:
            raise ValueError(f"not a settlement report column: {sorted(unknown)}")
        self.open_records.append(rec)
        return rec

    def book(
        self, type_: str, credit: bool, psp: str, merchant_ref: str | None, mod_psp: str,
        mod_ref: str | None, value: int, currency: str, method: str = "visa", at: datetime | None = None,
    ) -> dict[str, str]:  # fmt: skip
        fees = {"Markup (NC)": 0, "Scheme Fees (NC)": 0, "Interchange (NC)": 0, "Commission (NC)": 0}
        if type_ == "Settled":
            fees.update({"Markup (NC)": _pct(value, 3), "Scheme Fees (NC)": _pct(value, 2),
                         "Interchange (NC)": _pct(value, 12)})  # fmt: skip
        elif type_ in ("Chargeback", "SecondChargeback"):
            fees["Commission (NC)"] = 75 * 10 ** adyen_exponent(currency) // 10
        fee = sum(fees.values())
        net = value - fee if credit else value + fee
        side = ("Gross Credit (GC)", "Net Credit (NC)") if credit else ("Gross Debit (GC)", "Net Debit (NC)")
        return self.add_record(
            type_, at=at, **{
                "Psp Reference": psp, "Merchant Reference": merchant_ref or "", "Payment Method": method,
                "Modification Reference": mod_psp, "Gross Currency": currency, side[0]: major(value, currency),
                "Exchange Rate": "1", "Net Currency": currency, side[1]: major(net, currency),
                "Payment Method Variant": f"{method}classic" if method == "visa" else method,
                "Modification Merchant Reference": mod_ref or "",
                **{k: major(v, currency) for k, v in fees.items() if v},
            },
        )  # fmt: skip

    def on_notification(self, item: Mapping[str, Any]) -> None:
        """Book what a notification the fake sends says moved money."""
        if item.get("success") != "true":
            return
        event = str(item.get("eventCode"))
        amount = item.get("amount") or {}
        value, currency = int(amount.get("value", 0)), str(amount.get("currency", ""))
        psp, ref = str(item.get("pspReference")), item.get("merchantReference")
        if event == "AUTHORISATION":
            if list(item.get("operations") or []) == ["REFUND"]:  # captured at once
                self.book("Settled", True, psp, ref, psp, ref, value, currency, str(item.get("paymentMethod")))
            return
        if event not in EVENTS:
            return
        type_, credit = EVENTS[event]
        original = str(item.get("originalReference") or "")
        payment_ref = self._payment_reference(original) or ref
        self.book(type_, credit, original, payment_ref, psp, ref, value, currency, str(item.get("paymentMethod")))

    def watch(self, notify: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        def notify_and_book(item: dict[str, Any]) -> None:
            notify(item)
            self.on_notification(item)

        return notify_and_book

    def drop(self, reference: str) -> None:
        """The open batch loses the records of ``reference`` (a PSP or modification reference)."""
        keep = [r for r in self.open_records if reference not in (r.get("Psp Reference"), r.get("Modification Reference"))]
        if len(keep) == len(self.open_records):
            raise KeyError(f"no open record for {reference}")
        self.open_records = keep

    def close_batch(self) -> int:
        """Close the open payable batch into its report; returns its batch number."""
        n, self.next_batch = self.next_batch, self.next_batch + 1
        records = list(self.open_records)
        self.open_records = []
        totals: dict[str, int] = {}
        for rec in records:
            cur = rec["Net Currency"]
            signed = _minor(rec.get("Net Credit (NC)", ""), cur) - _minor(rec.get("Net Debit (NC)", ""), cur)
            totals[cur] = totals.get(cur, 0) + signed
        now = self._when(None)
        extra: list[dict[str, str]] = []
        for cur, total in sorted(totals.items()):
            fee = 10 * sum(1 for r in records if r["Type"] == "Settled" and r["Net Currency"] == cur)
            base = {"Company Account": COMPANY, "Merchant Account": self._merchant(), **now, "Net Currency": cur}
            if fee:
                extra.append({**base, "Type": "Fee", "Modification Reference": "Transaction Fees",
                              "Net Debit (NC)": major(fee, cur)})  # fmt: skip
            payout = total - fee
            if payout > 0:
                extra.append({**base, "Type": "MerchantPayout", "Modification Reference": f"TX{n:04d}{cur}XT",
                              "Net Debit (NC)": major(payout, cur)})  # fmt: skip
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(ALL_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for rec in records + extra:
            writer.writerow({**rec, "Batch Number": str(n)})
        self.batches[n] = out.getvalue().encode()
        return n

    # ---------------------------------------------------------------- HTTP

    def download(self, authorization: str, merchant: str, name: str) -> tuple[int, bytes, str]:
        try:
            user, _, password = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            user, password = "", ""
        if not authorization.startswith("Basic ") or (user, password) != (self.username, self.password):
            return 401, b"HTTP Status 401 - Unauthorized", "text/plain"
        if merchant != self._merchant():
            return 403, b"HTTP Status 403 - Forbidden", "text/plain"
        match = _NAME.fullmatch(name)
        if match is None or int(match.group(1)) not in self.batches:
            return 404, b"HTTP Status 404 - Not Found", "text/plain"
        return 200, self.batches[int(match.group(1))], "text/csv"

    def route(self) -> Any:
        reports = self

        @get(DOWNLOAD)
        async def download(request: Request[Any, Any, Any], merchant: str, name: str) -> Response[bytes]:
            reports.requests.append(request.url.path)
            status, body, media = reports.download(request.headers.get("authorization", ""), merchant, name)
            headers = {"WWW-Authenticate": 'Basic realm="Adyen"'} if status == 401 else {}
            return Response(content=body, status_code=status, media_type=media, headers=headers)

        return download


def _minor(text: str, currency: str) -> int:
    return int(Decimal(text).scaleb(adyen_exponent(currency))) if text else 0
