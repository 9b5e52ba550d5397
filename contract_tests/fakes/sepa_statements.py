"""The SEPA bank fake's account statements: ``camt.053.001.08``, one ``Stmt`` per day.

``GET /statements?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both required, ``from`` <= ``to``, at most
:data:`MAX_DAYS` days, no other parameter: 400 otherwise) answers one document with a statement
for every day of the range (inclusive), each with its opening and closing booked balances and
the entries booked that day: the debits of the transfers the bank settled, their returns, and
the credits added with :meth:`Statements.add_credit` (another party's transfer to the account,
e.g. a provider's payout; a received SEPA credit transfer, ``PMNT/RCDT/ESCT``). The fake
validates every document it writes against the official XSD. Tests inject discrepancies with
:meth:`Statements.add_credit` (a credit nobody explains) and ``omitted`` (EndToEndIds whose
entries the statements leave out).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lxml import etree

from adapters.sepa.mapping import cents_to_amount, validate
from adapters.sepa.statements import CAMT053_NS
from contract_tests.fakes.sepa_xml import Entry, _bytes, _doc, _iso, _path, _sub

MAX_DAYS = 92


@dataclass(frozen=True)
class Credit:
    """A transfer from another party into the account (not one of the hub's)."""

    acct_svcr_ref: str
    amount_cents: int
    booked_at: datetime
    debtor_name: str
    debtor_iban: str | None
    remittance: str | None
    end_to_end_id: str | None


@dataclass(frozen=True)
class _Line:
    at: datetime
    ref: str
    acct_svcr_ref: str
    cents: int  # signed
    family: str
    sub_family: str
    entry: Entry | None = None
    credit: Credit | None = None


class Statements:
    def __init__(self, iban: str, now: Callable[[], datetime], posted: Callable[[], Sequence[Entry]],
                 balance: Callable[[], int]) -> None:  # fmt: skip
        self.iban = iban
        self._now = now
        self._posted = posted
        self._balance = balance
        self.credits: list[Credit] = []
        self.omitted: set[str] = set()  # EndToEndIds the statements leave out (tests: a missing debit)
        self._ids = itertools.count(1)

    def add_credit(
        self, amount_cents: int, *, debtor_name: str, remittance: str | None = None,
        debtor_iban: str | None = None, end_to_end_id: str | None = None, at: datetime | None = None,
    ) -> Credit:  # fmt: skip
        """Book a credit from elsewhere (the caller adds it to the bank's balance)."""
        credit = Credit(
            acct_svcr_ref=f"BKC{len(self.credits) + 1:08d}", amount_cents=amount_cents,
            booked_at=(at or self._now()).astimezone(UTC), debtor_name=debtor_name, debtor_iban=debtor_iban,
            remittance=remittance, end_to_end_id=end_to_end_id,
        )  # fmt: skip
        self.credits.append(credit)
        return credit

    def _lines(self) -> list[_Line]:
        out = [
            _Line(e.created_at.astimezone(UTC), e.entry_ref, e.acct_svcr_ref,
                  -e.amount_cents if e.credit_debit == "DBIT" else e.amount_cents, "ICDT", e.sub_family, entry=e)
            for e in self._posted()
            if e.end_to_end_id not in self.omitted
        ]  # fmt: skip
        out += [
            _Line(c.booked_at, f"NTRYC{i + 1:07d}", c.acct_svcr_ref, c.amount_cents, "RCDT", "ESCT", credit=c)
            for i, c in enumerate(self.credits)
        ]  # fmt: skip
        return sorted(out, key=lambda x: x.at)

    def document(self, first: date, last: date) -> bytes:
        lines = self._lines()
        root = _doc(CAMT053_NS)
        msg = _sub(root, "BkToCstmrStmt")
        hdr = _sub(msg, "GrpHdr")
        _sub(hdr, "MsgId", f"STMT{next(self._ids):08d}")
        _sub(hdr, "CreDtTm", _iso(self._now()))
        balance_now = self._balance()
        day = first
        while day <= last:
            todays = [x for x in lines if x.at.date() == day]
            closing = balance_now - sum(x.cents for x in lines if x.at.date() > day)
            opening = closing - sum(x.cents for x in todays)
            self._statement(msg, day, opening, closing, todays)
            day += timedelta(days=1)
        body = _bytes(root)
        validate(body, "camt.053.001.08")
        return body

    def _statement(self, msg: etree._Element, day: date, opening: int, closing: int, lines: list[_Line]) -> None:
        stmt = _sub(msg, "Stmt")
        _sub(stmt, "Id", f"STMT-{day:%Y%m%d}")
        _sub(stmt, "ElctrncSeqNb", str(day.toordinal() - date(2020, 1, 1).toordinal()))
        _sub(stmt, "CreDtTm", _iso(self._now()))
        period = _sub(stmt, "FrToDt")
        _sub(period, "FrDtTm", f"{day.isoformat()}T00:00:00Z")
        _sub(period, "ToDtTm", f"{day.isoformat()}T23:59:59Z")
        _path(stmt, "Acct/Id/IBAN", self.iban)
        for code, cents in (("OPBD", opening), ("CLBD", closing)):
            bal = _sub(stmt, "Bal")
            _path(bal, "Tp/CdOrPrtry/Cd", code)
            _sub(bal, "Amt", cents_to_amount(abs(cents)), Ccy="EUR")
            _sub(bal, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
            _path(bal, "Dt/Dt", day.isoformat())
        for x in lines:
            self._entry(stmt, x)

    @staticmethod
    def _entry(stmt: etree._Element, x: _Line) -> None:
        ind = "DBIT" if x.cents < 0 else "CRDT"
        amount = cents_to_amount(abs(x.cents))
        ntry = _sub(stmt, "Ntry")
        _sub(ntry, "NtryRef", x.ref)
        _sub(ntry, "Amt", amount, Ccy="EUR")
        _sub(ntry, "CdtDbtInd", ind)
        _path(ntry, "Sts/Cd", "BOOK")
        _path(ntry, "BookgDt/DtTm", _iso(x.at))
        _path(ntry, "ValDt/Dt", x.at.date().isoformat())
        _sub(ntry, "AcctSvcrRef", x.acct_svcr_ref)
        domn = _sub(_sub(ntry, "BkTxCd"), "Domn")
        _sub(domn, "Cd", "PMNT")
        fmly = _sub(domn, "Fmly")
        _sub(fmly, "Cd", x.family)
        _sub(fmly, "SubFmlyCd", x.sub_family)
        tx = _sub(_sub(ntry, "NtryDtls"), "TxDtls")
        refs = _sub(tx, "Refs")
        e, c = x.entry, x.credit
        if e is not None and e.msg_id:
            _sub(refs, "MsgId", e.msg_id)
        _sub(refs, "AcctSvcrRef", x.acct_svcr_ref)
        if e is not None and e.pmt_inf_id:
            _sub(refs, "PmtInfId", e.pmt_inf_id)
        if e is not None and e.instr_id:
            _sub(refs, "InstrId", e.instr_id)
        _sub(refs, "EndToEndId", (e.end_to_end_id if e else (c.end_to_end_id if c else None)) or "NOTPROVIDED")
        _sub(tx, "Amt", amount, Ccy="EUR")
        _sub(tx, "CdtDbtInd", ind)
        if c is not None:
            pties = _sub(tx, "RltdPties")
            _path(pties, "Dbtr/Pty/Nm", c.debtor_name)
            if c.debtor_iban:
                _path(pties, "DbtrAcct/Id/IBAN", c.debtor_iban)
        elif e is not None and (e.counterparty_name or e.counterparty_iban):
            pties = _sub(tx, "RltdPties")
            if e.counterparty_name:
                _path(pties, "Cdtr/Pty/Nm", e.counterparty_name)
            if e.counterparty_iban:
                _path(pties, "CdtrAcct/Id/IBAN", e.counterparty_iban)
        remittance = c.remittance if c is not None else (e.remittance if e is not None else None)
        if remittance:
            _path(tx, "RmtInf/Ustrd", remittance[:140])
        if e is not None and e.return_reason:
            rtr = _sub(tx, "RtrInf")
            _path(rtr, "Rsn/Cd", e.return_reason)
            if e.return_info:
                _sub(rtr, "AddtlInf", e.return_info[:105])


def parse_range(query: dict[str, str]) -> tuple[date, date] | str:
    """The ``from``/``to`` dates of a statements request, or why it is refused."""
    unknown = sorted(set(query) - {"from", "to"})
    if unknown:
        return f"unknown parameter(s): {', '.join(unknown)}"
    try:
        first, last = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
    except KeyError as exc:
        return f"missing parameter: {exc.args[0]}"
    except ValueError:
        return "from and to must be dates (YYYY-MM-DD)"
    if last < first:
        return "to is before from"
    if (last - first).days + 1 > MAX_DAYS:
        return f"at most {MAX_DAYS} days per request"
    return first, last
