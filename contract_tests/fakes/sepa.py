"""A stateful SEPA bank speaking payhub's default ISO 20022 HTTP profile (DESIGN §10).

``POST /payments`` takes one ``pain.001.001.09`` with ``Idempotency-Key: <MsgId>``:

* not well-formed, or not valid against the official XSD, or outside the SEPA
  character set -> 400 with a pain.002 whose group status is ``RJCT``/``FF01``;
* valid XML breaking a SEPA rule -> 422 with a pain.002 ``RJCT``: not EUR
  (``AM03``), service level not SEPA (``FF01``), NbOfTxs/CtrlSum wrong
  (``AM10``/``AM18``), more than one PmtInf/transaction (``FF01``, this
  profile carries one transfer per file), debtor account not ours (``AC02``),
  an IBAN that fails mod-97 (``AC01``), the same MsgId in a file that is not
  byte for byte the first one (``DU01``, a regenerated ``CreDtTm`` included), the
  Idempotency-Key header missing or not the MsgId
  (``FF01``);
* otherwise 202 ``{"id": "<submission id>"}``. The same MsgId again answers the
  same submission: one transfer.

``GET /payments/{id}/status`` answers the latest pain.002: ``ACCP`` on receipt;
each :meth:`Fake.advance` moves it along (``ACSP`` when ``settle_steps=2``)
to ``ACSC`` (and books the debit: a camt.054 DBIT notification) or to
``RJCT`` with the reason documented for the creditor IBAN below. The debtor
account has a balance (``balance_cents``): a transfer it cannot cover is
rejected ``AM04`` at settlement.

``GET /notifications?after=<Id>`` answers one camt.054 with every notification
after that Id (``limit``, default 100) and ``Next-Cursor``; 204 when there is
nothing new. A transfer to a "returns" IBAN is booked, then, at the next
:meth:`Fake.advance`, returned: a CRDT entry with the original EndToEndId and
the return reason.

``GET /statements?from=YYYY-MM-DD&to=YYYY-MM-DD`` answers camt.053.001.08 account statements,
one per day (``contract_tests.fakes.sepa_statements``); :meth:`Fake.add_credit` books a credit
from another party (a provider's payout arriving).

Test IBANs (all valid mod-97; any other valid IBAN settles):

=========================  ===================================================
DE89370400440532013000     settles (ACSC)
DE62370400440532013001     rejected AC04 (closed account)
DE35370400440532013002     rejected AC01 (incorrect account number)
DE08370400440532013003     rejected AC06 (blocked account)
DE78370400440532013004     rejected MS03 (reason not specified)
DE51370400440532013005     settles, then returned AC04 (closed account)
DE24370400440532013006     settles, then returned MD07 (end customer deceased)
=========================  ===================================================
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import schwifty
from litestar import Litestar, Request, Response, get, post
from lxml import etree

from adapters.base import (
    Account,
    BankAccount,
    DeclineCode,
    NextAction,
    OperationKind,
    PaymentMethod,
)
from adapters.sepa.charset import is_sepa_id, is_sepa_text
from adapters.sepa.mapping import SchemaError, XmlFormatError, amount_to_cents, parse_xml, validate_pain001
from contract_tests.fakes.base import ASGIApp, Notification
from contract_tests.fakes.sepa_statements import Credit, Statements, parse_range
from contract_tests.fakes.sepa_xml import Entry, TxReport, camt054, pain002

__all__ = [
    "BLOCKED_IBAN",
    "CLOSED_IBAN",
    "DEBTOR_BIC",
    "DEBTOR_IBAN",
    "DEBTOR_NAME",
    "INCORRECT_IBAN",
    "MS03_IBAN",
    "REJECTIONS",
    "RETURNS",
    "RETURN_CLOSED_IBAN",
    "RETURN_DECEASED_IBAN",
    "SUCCEED_IBAN",
    "Fake",
    "Submission",
]

SUCCEED_IBAN = "DE89370400440532013000"
CLOSED_IBAN = "DE62370400440532013001"
INCORRECT_IBAN = "DE35370400440532013002"
BLOCKED_IBAN = "DE08370400440532013003"
MS03_IBAN = "DE78370400440532013004"
RETURN_CLOSED_IBAN = "DE51370400440532013005"
RETURN_DECEASED_IBAN = "DE24370400440532013006"

REJECTIONS: dict[str, tuple[str, str]] = {
    CLOSED_IBAN: ("AC04", "Account closed"),
    INCORRECT_IBAN: ("AC01", "Account number unknown at the creditor bank"),
    BLOCKED_IBAN: ("AC06", "Account blocked"),
    MS03_IBAN: ("MS03", "Rejected by the creditor bank"),
}
RETURNS: dict[str, tuple[str, str]] = {
    RETURN_CLOSED_IBAN: ("AC04", "Account closed after acceptance"),
    RETURN_DECEASED_IBAN: ("MD07", "Beneficiary deceased"),
}

DEBTOR_NAME = "Payhub Test GmbH"
DEBTOR_IBAN = "DE02120300000000202051"
DEBTOR_BIC = "BYLADEM1001"
BANK_BIC = "BYLADEM1001"

_PAIN001 = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"


class _Rejection(Exception):
    def __init__(self, http_status: int, reason: str, info: str, msg_id: str | None = None) -> None:
        super().__init__(info)
        self.http_status = http_status
        self.reason = reason
        self.info = info
        self.msg_id = msg_id


@dataclass
class Submission:
    id: str
    msg_id: str
    pmt_inf_id: str
    instr_id: str | None
    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    creditor_iban: str
    remittance: str | None
    created_at: datetime
    status: str = "ACCP"
    reason: str | None = None
    info: str | None = None
    steps: int = 0
    booked: bool = False
    returned: bool = False
    posts: int = 1  # how many times it was POSTed (replays included)
    fingerprint: tuple[Any, ...] = field(default_factory=tuple)


@dataclass
class _Posted:
    seq: int
    entry: Entry


class Fake:
    """One bank: a debtor account, the submissions it received, its notifications."""

    adapter_name = "sepa"
    supports_stale_check = False

    def __init__(self, *, balance_cents: int = 100_000_000, settle_steps: int = 1) -> None:
        self.balance_cents = balance_cents
        self.settle_steps = max(1, settle_steps)
        self.submissions: dict[str, Submission] = {}
        self.by_msg_id: dict[str, str] = {}
        self.posted: list[_Posted] = []
        self.rejected_files = 0
        self._ids = itertools.count(1)
        self._offset = timedelta(0)
        # camt.053 account statements (contract_tests.fakes.sepa_statements)
        self.statements = Statements(
            DEBTOR_IBAN, self.now, lambda: [p.entry for p in self.posted], lambda: self.balance_cents
        )
        self._app = self._build_app()

    # ------------------------------------------------------------------ protocol

    @property
    def app(self) -> ASGIApp:
        return self._app

    def account(self, base_url: str) -> Account:
        return Account(
            id="sepa-fake",
            adapter="sepa",
            base_url=base_url,
            credentials={"debtor_name": DEBTOR_NAME, "debtor_iban": DEBTOR_IBAN, "debtor_bic": DEBTOR_BIC},
        )

    # a bank has no cards: the card instruments do not apply
    def approve_method(self) -> PaymentMethod | None:
        return None

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        return {}

    def three_ds_method(self) -> PaymentMethod | None:
        return None

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        return {}

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return (
            BankAccount(iban=SUCCEED_IBAN, bic="COBADEFFXXX", name="Zoë Müller", country="DE"),
            BankAccount(iban=CLOSED_IBAN, bic="COBADEFFXXX", name="Jürgen Groß", country="DE"),
        )

    def count(self, kind: OperationKind) -> int:
        return len(self.submissions) if kind == OperationKind.PAYOUT else 0

    def notifications(self) -> list[Notification]:
        """Nothing is pushed: the bank's news is polled (GET /notifications)."""
        return []

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        return {}

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        return Notification({"content-type": "application/xml"}, body, "camt.054")

    async def advance(self, seconds: float = 0.0) -> None:
        """One processing step of the bank (``seconds`` moves its clock too)."""
        self._offset += timedelta(seconds=seconds)
        for sub in self.submissions.values():
            if sub.status in ("ACCP", "ACSP"):
                sub.steps += 1
                self._process(sub)
            elif sub.status == "ACSC" and sub.creditor_iban in RETURNS and not sub.returned:
                self._return(sub)

    # ------------------------------------------------------------------ instruments for tests

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def add_credit(self, amount_cents: int, *, debtor_name: str, remittance: str | None = None,
                   debtor_iban: str | None = None, at: datetime | None = None) -> Credit:  # fmt: skip
        """Another party's transfer arrives on the account (e.g. a provider's payout)."""
        self.balance_cents += amount_cents
        return self.statements.add_credit(
            amount_cents, debtor_name=debtor_name, remittance=remittance, debtor_iban=debtor_iban, at=at
        )

    def submission_for(self, msg_id: str) -> Submission | None:
        sid = self.by_msg_id.get(msg_id)
        return self.submissions.get(sid) if sid else None

    # ------------------------------------------------------------------ the bank's processing

    def _process(self, sub: Submission) -> None:
        if sub.creditor_iban in REJECTIONS:
            sub.status, sub.info = "RJCT", REJECTIONS[sub.creditor_iban][1]
            sub.reason = REJECTIONS[sub.creditor_iban][0]
            return
        if sub.steps < self.settle_steps:
            sub.status = "ACSP"
            return
        if sub.amount_cents > self.balance_cents:
            sub.status, sub.reason, sub.info = "RJCT", "AM04", "Insufficient funds on the debtor account"
            return
        self.balance_cents -= sub.amount_cents
        sub.status = "ACSC"
        sub.booked = True
        self._post(sub, credit_debit="DBIT", sub_family="ESCT")

    def _return(self, sub: Submission) -> None:
        reason, info = RETURNS[sub.creditor_iban]
        sub.returned = True
        self.balance_cents += sub.amount_cents
        self._post(sub, credit_debit="CRDT", sub_family="RRTN", reason=reason, info=info)

    def _post(
        self,
        sub: Submission,
        *,
        credit_debit: str,
        sub_family: str,
        reason: str | None = None,
        info: str | None = None,
    ) -> None:
        seq = len(self.posted) + 1
        now = self.now()
        self.posted.append(
            _Posted(
                seq,
                Entry(
                    notification_id=f"NTF{seq:08d}",
                    created_at=now,
                    entry_ref=f"NTRY{seq:08d}",
                    amount_cents=sub.amount_cents,
                    credit_debit=credit_debit,
                    booking_date=now.date().isoformat(),
                    acct_svcr_ref=f"BK{seq:08d}-{sub.id}"[:35],
                    sub_family=sub_family,
                    end_to_end_id=sub.end_to_end_id,
                    msg_id=sub.msg_id,
                    pmt_inf_id=sub.pmt_inf_id,
                    instr_id=sub.instr_id,
                    counterparty_name=sub.creditor_name,
                    counterparty_iban=sub.creditor_iban,
                    remittance=sub.remittance,
                    return_reason=reason,
                    return_info=info,
                ),
            )
        )

    # ------------------------------------------------------------------ documents

    def status_report(self, sub: Submission) -> bytes:
        return pain002(
            msg_id=f"STS{next(self._ids):08d}",
            created_at=self.now(),
            original_msg_id=sub.msg_id,
            group_status=sub.status,
            original_nb_of_txs=1,
            original_ctrl_sum_cents=sub.amount_cents,
            pmt_inf_id=sub.pmt_inf_id,
            transactions=[
                TxReport(
                    instr_id=sub.instr_id,
                    end_to_end_id=sub.end_to_end_id,
                    status=sub.status,
                    reason=sub.reason,
                    info=sub.info,
                )
            ],
            debtor_bic=BANK_BIC,
        )

    def _rejection_report(self, rej: _Rejection) -> Response[bytes]:
        self.rejected_files += 1
        body = pain002(
            msg_id=f"STS{next(self._ids):08d}",
            created_at=self.now(),
            original_msg_id=rej.msg_id or "UNKNOWN",
            group_status="RJCT",
            group_reason=rej.reason,
            group_info=rej.info,
            debtor_bic=BANK_BIC,
        )
        return Response(body, status_code=rej.http_status, media_type="application/xml")

    # ------------------------------------------------------------------ pain.001 intake

    def _check(self, body: bytes, idempotency_key: str | None) -> Submission:
        try:
            root = parse_xml(body)
        except XmlFormatError as exc:
            raise _Rejection(400, "FF01", f"Not well-formed XML: {exc}") from exc
        msg_id = root.findtext(f"{_PAIN001}CstmrCdtTrfInitn/{_PAIN001}GrpHdr/{_PAIN001}MsgId")
        try:
            validate_pain001(root)
        except SchemaError as exc:
            raise _Rejection(
                400, "FF01", f"Schema validation failed: {exc}", msg_id if msg_id else None
            ) from exc
        assert msg_id is not None  # the XSD requires it
        for el in root.iter():
            if isinstance(el.tag, str) and el.text and el.text.strip() and not is_sepa_text(el.text):
                name = etree.QName(el).localname
                raise _Rejection(400, "FF01", f"Invalid character in {name} (SEPA character set)", msg_id)
        init = root.find(f"{_PAIN001}CstmrCdtTrfInitn")
        assert init is not None
        if idempotency_key is None or idempotency_key != msg_id:
            raise _Rejection(400, "FF01", "Idempotency-Key header must be the MsgId", msg_id)
        pmts = init.findall(f"{_PAIN001}PmtInf")
        txs = init.findall(f"{_PAIN001}PmtInf/{_PAIN001}CdtTrfTxInf")
        if len(pmts) != 1 or len(txs) != 1:
            raise _Rejection(422, "FF01", "This profile takes one PmtInf with one CdtTrfTxInf", msg_id)
        pmt, tx = pmts[0], txs[0]

        def text(el: etree._Element, path: str) -> str | None:
            value = el.findtext("/".join(f"{_PAIN001}{p}" for p in path.split("/")))
            return value.strip() if value else None

        ids = [msg_id, text(pmt, "PmtInfId"), text(tx, "PmtId/InstrId"), text(tx, "PmtId/EndToEndId")]
        if any(i is not None and not is_sepa_id(i) for i in ids):
            raise _Rejection(400, "FF01", "Identifier breaks the SEPA id rules", msg_id)
        if text(pmt, "PmtTpInf/SvcLvl/Cd") != "SEPA":
            raise _Rejection(422, "FF01", "Service level must be SEPA", msg_id)
        instd = tx.find(f"{_PAIN001}Amt/{_PAIN001}InstdAmt")
        assert instd is not None and instd.text is not None
        if instd.get("Ccy") != "EUR":
            raise _Rejection(422, "AM03", "SEPA credit transfers are in EUR", msg_id)
        amount = amount_to_cents(instd.text)
        for el, where in ((init, "GrpHdr"), (pmt, None)):
            base = f"{where}/" if where else ""
            nb, ctrl = text(el, f"{base}NbOfTxs"), text(el, f"{base}CtrlSum")
            if nb is not None and nb != "1":
                raise _Rejection(422, "AM18", "NbOfTxs does not match the transactions", msg_id)
            if ctrl is not None and Decimal(ctrl) * 100 != amount:
                raise _Rejection(422, "AM10", "CtrlSum does not match the amounts", msg_id)
        debtor_iban = text(pmt, "DbtrAcct/Id/IBAN")
        if debtor_iban != DEBTOR_IBAN:
            raise _Rejection(422, "AC02", "Debtor account is not held here", msg_id)
        creditor_iban = text(tx, "CdtrAcct/Id/IBAN") or ""
        try:
            schwifty.IBAN(creditor_iban)
        except (schwifty.exceptions.SchwiftyException, ValueError) as exc:
            raise _Rejection(422, "AC01", "Creditor IBAN is not valid", msg_id) from exc
        e2e = text(tx, "PmtId/EndToEndId") or "NOTPROVIDED"
        ustrd = text(tx, "RmtInf/Ustrd")
        creditor_name = text(tx, "Cdtr/Nm") or ""
        # a bank that rejects duplicates compares the whole file: the same MsgId with any other
        # byte (a regenerated CreDtTm included) is another file -> DU01
        fingerprint = (hashlib.sha256(body).hexdigest(),)
        return Submission(
            id="",
            msg_id=msg_id,
            pmt_inf_id=text(pmt, "PmtInfId") or msg_id,
            instr_id=text(tx, "PmtId/InstrId"),
            end_to_end_id=e2e,
            amount_cents=amount,
            creditor_name=creditor_name,
            creditor_iban=creditor_iban,
            remittance=ustrd,
            created_at=self.now(),
            fingerprint=fingerprint,
        )

    def _submit(self, body: bytes, idempotency_key: str | None) -> Response[Any]:
        try:
            candidate = self._check(body, idempotency_key)
        except _Rejection as rej:
            return self._rejection_report(rej)
        existing = self.submission_for(candidate.msg_id)
        if existing is not None:
            if existing.fingerprint != candidate.fingerprint:
                return self._rejection_report(
                    _Rejection(422, "DU01", "MsgId already used for another transfer", candidate.msg_id)
                )
            existing.posts += 1
            return Response({"id": existing.id}, status_code=202, headers={"Idempotent-Replayed": "true"})
        candidate.id = f"sub-{len(self.submissions) + 1:06d}"
        self.submissions[candidate.id] = candidate
        self.by_msg_id[candidate.msg_id] = candidate.id
        return Response(
            {"id": candidate.id}, status_code=202, headers={"Location": f"/payments/{candidate.id}/status"}
        )

    def _notifications(self, after: str | None, limit: int) -> Response[bytes]:
        start = 0
        if after:
            match = [p.seq for p in self.posted if p.entry.notification_id == after]
            if not match:
                return Response(b"unknown cursor", status_code=400, media_type="text/plain")
            start = match[0]
        page = self.posted[start : start + max(1, min(limit, 500))]
        if not page:
            return Response(b"", status_code=204, headers={"Next-Cursor": after or ""})
        body = camt054(
            msg_id=f"CAMT{next(self._ids):08d}",
            created_at=self.now(),
            account_iban=DEBTOR_IBAN,
            entries=[p.entry for p in page],
        )
        return Response(
            body,
            status_code=200,
            media_type="application/xml",
            headers={"Next-Cursor": page[-1].entry.notification_id},
        )

    # ------------------------------------------------------------------ the ASGI app

    def _build_app(self) -> Litestar:
        fake = self

        @post("/payments", status_code=202)
        async def submit(request: Request[Any, Any, Any]) -> Response[Any]:
            return fake._submit(await request.body(), request.headers.get("idempotency-key"))

        @get("/payments/{submission_id:str}/status")
        async def status(submission_id: str) -> Response[bytes]:
            sub = fake.submissions.get(submission_id)
            if sub is None:
                return Response(b"unknown submission", status_code=404, media_type="text/plain")
            return Response(fake.status_report(sub), media_type="application/xml")

        @get("/notifications")
        async def notifications(request: Request[Any, Any, Any]) -> Response[bytes]:
            limit = request.query_params.get("limit", "100")
            if not limit.isdigit():
                return Response(b"limit must be a positive integer", status_code=400, media_type="text/plain")
            return fake._notifications(request.query_params.get("after") or None, int(limit))

        @get("/statements")
        async def statements(request: Request[Any, Any, Any]) -> Response[bytes]:
            parsed = parse_range(dict(request.query_params))
            if isinstance(parsed, str):
                return Response(parsed.encode(), status_code=400, media_type="text/plain")
            return Response(fake.statements.document(*parsed), media_type="application/xml")

        return Litestar(route_handlers=[submit, status, notifications, statements], debug=False)
