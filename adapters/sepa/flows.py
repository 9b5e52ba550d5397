"""The SEPA adapter over the default ISO 20022 HTTP profile (DESIGN §10).

Paths (relative to the account's ``base_url``; each overridable in
``settings["paths"]``, ``{id}`` is the submission id)::

    payments       POST  payments                 pain.001.001.09 in, 202 {"id": ...} out
    status         GET   payments/{id}/status     latest pain.002.001.10
    notifications  GET   notifications?after=C    camt.054.001.08 (204 when nothing new)
    statements     GET   statements?from=D&to=D   camt.053.001.08, one Stmt per day (reconciliation)

payout(): the transfer is checked (EUR only, IBAN/BIC, SEPA character set), the
pain.001 is built and validated against the official XSD, then POSTed with
``Idempotency-Key: <MsgId>``. The MsgId derives from the operation id, so a
resubmission of the same operation is the same file for the bank.

* 202 (any 2xx) with ``{"id"}`` -> PENDING, provider_reference = submission id;
* 4xx with a pain.002 body -> FAILED ``payout_rejected`` with the ISO reason
  (401/403 -> FAILED ``provider_configuration``; 408/409/429 -> RETRY);
* 5xx, timeout after sending, dropped connection -> UNKNOWN; connect error -> RETRY.

Resolution of an ambiguous payout: ``lookup`` first (GET the status report of
the submission). When the submission id is not known (the POST timed out), the
profile offers no search by MsgId, so lookup answers UNKNOWN and the fallback is
``replay``: the hub sends the same operation again, the bank recognises the
Idempotency-Key/MsgId and answers with the original submission id (one
transfer), and lookups go on from there.

Mutual TLS: credentials ``client_cert`` and ``client_key`` (PEM text; the key
unencrypted or with ``client_key_password``) and optionally ``server_ca`` (PEM
bundle of the bank's CA) make :meth:`SepaAdapter.client_options` return
``{"verify": ssl.SSLContext}`` with the client chain loaded; the hub passes it
to ``httpx.AsyncClient``. The PEMs are written to a private temporary
directory only for the duration of ``load_cert_chain`` and removed at once.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
import msgspec
import schwifty

from adapters.base import (
    Account,
    Adapter,
    AdapterError,
    Capabilities,
    Capability,
    Failure,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    NotificationBatch,
    NotSupported,
    OperationKind,
    Outcome,
    OutcomeStatus,
    PayoutRequest,
    Strategy,
)
from adapters.classify import classify_status, retry_after_seconds, send, unparseable
from adapters.sepa import mapping, statements
from adapters.sepa.charset import CharsetError, transliterate
from adapters.settlement import SettlementPage, SettlementRequest

__all__ = ["DEFAULT_PATHS", "NotificationPollError", "SepaAdapter"]

DEFAULT_PATHS: dict[str, str] = {
    "payments": "payments",
    "status": "payments/{id}/status",
    "notifications": "notifications",
    "statements": "statements",
}


class NotificationPollError(AdapterError):
    """The notifications could not be read this time (transport fault, 5xx, bad body)."""


class _SubmitReply(msgspec.Struct):
    id: str


DUPLICATE = "DU01"  # ISO 20022 status reason: duplicate message


def _paths(account: Account) -> dict[str, str]:
    configured = account.settings.get("paths") or {}
    return {**DEFAULT_PATHS, **{k: str(v) for k, v in dict(configured).items()}}


def _is_xml(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "")
    return "xml" in ctype or response.content.lstrip().startswith(b"<")


class SepaAdapter(Adapter):
    name: ClassVar[str] = "sepa"
    capabilities: ClassVar[Capabilities] = Capabilities(
        features=frozenset(
            {Capability.PAYOUT, Capability.LOOKUP, Capability.NOTIFICATION_POLLING, Capability.RECONCILIATION}
        ),
        currencies=frozenset({"EUR"}),
        resolution={OperationKind.PAYOUT: (Strategy.LOOKUP, Strategy.REPLAY)},
        required_credentials=("debtor_name", "debtor_iban", "debtor_bic"),
        optional_credentials=("client_cert", "client_key", "client_key_password", "server_ca"),
    )

    # ------------------------------------------------------------------ configuration

    @classmethod
    def validate_account(cls, account: Account) -> list[str]:
        problems = super().validate_account(account)
        creds = account.credentials
        if creds.get("debtor_iban"):
            try:
                schwifty.IBAN(creds["debtor_iban"])
            except (schwifty.exceptions.SchwiftyException, ValueError) as exc:
                problems.append(f"credentials.debtor_iban is not a valid IBAN: {exc}")
        if creds.get("debtor_bic"):
            try:
                schwifty.BIC(creds["debtor_bic"])
            except (schwifty.exceptions.SchwiftyException, ValueError) as exc:
                problems.append(f"credentials.debtor_bic is not a valid BIC: {exc}")
        if creds.get("debtor_name"):
            try:
                transliterate(creds["debtor_name"])
            except CharsetError as exc:
                problems.append(f"credentials.debtor_name {exc}")
        if bool(creds.get("client_cert")) != bool(creds.get("client_key")):
            problems.append("credentials.client_cert and credentials.client_key go together (mutual TLS)")
        paths = account.settings.get("paths")
        if paths is not None:
            if not isinstance(paths, Mapping):
                problems.append("settings.paths must be a table of path templates")
            else:
                unknown = [k for k in paths if k not in DEFAULT_PATHS]
                problems += [f"settings.paths.{k} is not a known path" for k in unknown]
                status = paths.get("status")
                if status is not None and "{id}" not in str(status):
                    problems.append("settings.paths.status must contain {id}")
        return problems

    @classmethod
    def client_options(cls, account: Account) -> dict[str, Any]:
        """``{"verify": SSLContext}`` for mutual TLS when a client certificate is configured."""
        creds = account.credentials
        cert, key, ca = creds.get("client_cert"), creds.get("client_key"), creds.get("server_ca")
        if not (cert and key) and not ca:
            return {}
        context = ssl.create_default_context()
        if ca:
            context.load_verify_locations(cadata=ca)
        if cert and key:
            with tempfile.TemporaryDirectory(prefix="payhub-mtls-") as tmp:
                cert_path = os.path.join(tmp, "client.pem")
                key_path = os.path.join(tmp, "client.key")
                for path, pem in ((cert_path, cert), (key_path, key)):
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w") as fh:
                        fh.write(pem)
                context.load_cert_chain(cert_path, key_path, password=creds.get("client_key_password"))
        return {"verify": context}

    # ------------------------------------------------------------------ helpers

    def _url(self, which: str, **params: str) -> str:
        template = _paths(self.account)[which]
        return template.format(**{k: quote(v, safe="") for k, v in params.items()})

    # ------------------------------------------------------------------ payout

    async def payout(self, request: PayoutRequest) -> Outcome:
        if request.card is not None and request.bank_account is None:
            raise NotSupported("payout to card")
        transfer = mapping.prepare_transfer(request, self.account.credentials)
        document = mapping.build_pain001(transfer, created_at=request.requested_at)
        try:
            mapping.validate_pain001(document)
        except mapping.SchemaError as exc:  # never send an invalid file
            raise InvalidRequest(f"the transfer cannot be expressed as a valid pain.001: {exc}") from exc
        sent = await send(
            self.client,
            "POST",
            self._url("payments"),
            content=document,
            headers={
                "Content-Type": "application/xml; charset=utf-8",
                "Accept": "application/json, application/xml",
                "Idempotency-Key": transfer.msg_id,
            },
        )
        ids = {"msg_id": transfer.msg_id, "end_to_end_id": transfer.end_to_end_id}
        if isinstance(sent, Outcome):
            return msgspec.structs.replace(sent, summary={**sent.summary, **ids})
        return self._submit_outcome(sent, transfer, ids)

    def _submit_outcome(
        self, response: httpx.Response, transfer: mapping.Transfer, ids: dict[str, str]
    ) -> Outcome:
        code = response.status_code
        summary: dict[str, Any] = {"http_status": code, **ids}
        generic = classify_status(response)
        if generic is not None:
            return msgspec.structs.replace(generic, summary={**generic.summary, **ids})
        if 200 <= code < 300:
            try:
                reply = msgspec.json.decode(response.content, type=_SubmitReply)
            except msgspec.DecodeError:
                return unparseable(response, "no submission id in the bank's answer")
            return Outcome(
                status=OutcomeStatus.PENDING,
                provider_reference=reply.id,
                amount=transfer.amount_cents,
                reason="file accepted by the bank; settlement pending",
                summary={**summary, "submission": reply.id},
            )
        if code in (408, 409):
            return Outcome(
                status=OutcomeStatus.RETRY,
                retry_after=retry_after_seconds(response),
                reason=f"bank answered {code}: not processed, send again",
                summary=summary,
            )
        if code in (401, 403):
            return Outcome(
                status=OutcomeStatus.FAILED,
                failure=Failure(
                    code=FailureCode.PROVIDER_CONFIGURATION.value,
                    message=f"the bank refused the credentials or certificate (HTTP {code})",
                    provider_code=str(code),
                ),
                summary=summary,
            )
        if 400 <= code < 500:
            if _is_xml(response):
                try:
                    report = mapping.parse_pain002(response.content)
                except mapping.XmlFormatError:
                    report = None
                if report is not None and DUPLICATE in (report.group_reason, report.payment_reason):
                    # the bank already holds a file with this MsgId: this one did nothing, and
                    # what the first one did is not told here
                    return Outcome(
                        status=OutcomeStatus.UNKNOWN,
                        reason="the bank refused the file as a duplicate (DU01) of an earlier one",
                        summary={**summary, "reason_code": DUPLICATE},
                    )
                if report is not None:
                    outcome = mapping.outcome_from_status_report(report, end_to_end_id=transfer.end_to_end_id)
                    if outcome.status == OutcomeStatus.FAILED:
                        return msgspec.structs.replace(outcome, summary={**summary, **outcome.summary})
            # a 4xx proves nothing was executed, even without a readable report
            return Outcome(
                status=OutcomeStatus.FAILED,
                failure=Failure(
                    code=FailureCode.PAYOUT_REJECTED.value,
                    message=f"the bank rejected the file (HTTP {code})",
                    provider_code=str(code),
                ),
                summary=summary,
            )
        return unparseable(response, f"unexpected status {code}")

    # ------------------------------------------------------------------ lookup

    async def lookup(self, request: LookupRequest) -> Outcome:
        if request.kind != OperationKind.PAYOUT:
            raise NotSupported(f"lookup of {request.kind.value}")
        if not request.provider_reference:
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                reason="submission id unknown (the submission's answer was lost): "
                "the bank offers no search by MsgId; replay the same operation (same MsgId)",
                summary={"needs": Strategy.REPLAY.value},
            )
        submission = request.provider_reference
        sent = await send(
            self.client,
            "GET",
            self._url("status", id=submission),
            headers={"Accept": "application/xml"},
        )
        if isinstance(sent, Outcome):
            return msgspec.structs.replace(sent, provider_reference=submission)
        generic = classify_status(sent)
        if generic is not None:
            return msgspec.structs.replace(generic, provider_reference=submission)
        if sent.status_code != 200:
            # the bank gave us this id: a 404 or other refusal proves nothing about the money
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                provider_reference=submission,
                reason=f"status report not available (HTTP {sent.status_code})",
                summary={"http_status": sent.status_code},
            )
        try:
            report = mapping.parse_pain002(sent.content)
        except mapping.XmlFormatError as exc:
            return msgspec.structs.replace(unparseable(sent, str(exc)), provider_reference=submission)
        e2e = mapping.end_to_end_id_for(request.payment_id)
        outcome = mapping.outcome_from_status_report(report, end_to_end_id=e2e, provider_reference=submission)
        if outcome.status == OutcomeStatus.SUCCEEDED:
            outcome = msgspec.structs.replace(outcome, amount=request.amount)
        return outcome

    # ------------------------------------------------------------------ reconciliation

    async def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        """The account statements of the window (camt.053; see adapters.sepa.statements)."""
        iban = self.account.credentials.get("debtor_iban")
        async for page in statements.read_lines(self.client, self._url("statements"), request, iban):
            yield page

    # ------------------------------------------------------------------ notifications

    async def poll_notifications(self, cursor: str | None) -> NotificationBatch:
        """camt.054 after ``cursor``; raises :class:`NotificationPollError` when it cannot be read."""
        params = {"after": cursor} if cursor else None
        sent = await send(
            self.client,
            "GET",
            self._url("notifications"),
            params=params,
            headers={"Accept": "application/xml"},
        )
        if isinstance(sent, Outcome):
            raise NotificationPollError(f"notifications not read: {sent.reason}")
        header_cursor = sent.headers.get("next-cursor") or None
        if sent.status_code == 204:
            return NotificationBatch(events=[], next_cursor=header_cursor or cursor)
        if sent.status_code != 200:
            raise NotificationPollError(f"notifications not read: HTTP {sent.status_code}")
        try:
            notifications = mapping.parse_camt054(sent.content)
        except mapping.XmlFormatError as exc:
            raise NotificationPollError(f"notifications not read: {exc}") from exc
        return mapping.events_from_notifications(notifications, cursor=cursor, next_cursor=header_cursor)
