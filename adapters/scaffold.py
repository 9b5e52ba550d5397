'''Scaffolding for a new provider: ``payhub adapters new NAME``.

:func:`create` writes

* ``adapters/<name>/__init__.py``  - exports the Adapter subclass;
* ``adapters/<name>/flows.py``     - the Adapter: capabilities + the HTTP flows;
* ``adapters/<name>/mapping.py``   - msgspec wire structs and the status/decline tables;
* ``contract_tests/fakes/<name>.py`` - a stateful fake of the provider (ASGI app)
  implementing ``ProviderFake``,

under ``dest_root`` (the repository root). The skeleton declares minimal
capabilities (authorize with a provider token, resolved by lookup), passes the
structural checks (:mod:`adapters.structure`) as generated, and its fake passes
the contract scenarios those capabilities select, so the engineer starts from a
green suite and grows both sides together.
'''

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

__all__ = ["RESERVED", "ScaffoldError", "create", "files_for"]

RESERVED = frozenset({"base", "classify", "registry", "structure", "scaffold", "templates", "cli_support"})
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,38}$")


class ScaffoldError(ValueError):
    pass


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part)


_INIT = Template('''"""${Title} adapter. See :mod:`adapters.${name}.flows`."""

from __future__ import annotations

from adapters.${name}.flows import ${Class}Adapter

__all__ = ["${Class}Adapter"]
''')

_MAPPING = Template('''"""${Title}: wire structs and status/decline tables. No I/O here.

Write these from the provider's public API reference: one msgspec struct per
request/response body you send or read (unknown response fields are ignored;
``forbid_unknown_fields`` is for what you *send*), and tables that turn the
provider's statuses and decline codes into the unified ones (DESIGN §3).
"""

from __future__ import annotations

import msgspec

from adapters.base import DeclineCode, Failure, FailureCode, NextAction, Outcome, OutcomeStatus

# ---------------------------------------------------------------- wire structs


class PaymentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """POST /payments body."""

    amount: int
    currency: str
    token: str
    capture: bool = False
    reference: str  # the hub's payment id: lets lookups and notifications find it
    merchant_reference: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class Payment(msgspec.Struct, kw_only=True):
    """A payment object as the provider returns it."""

    id: str
    status: str
    amount: int | None = None
    currency: str | None = None
    reference: str | None = None
    decline_code: str | None = None
    message: str | None = None
    redirect_url: str | None = None


class PaymentList(msgspec.Struct, kw_only=True):
    data: list[Payment]


class ErrorDetail(msgspec.Struct, kw_only=True):
    type: str = "api_error"
    code: str | None = None
    message: str = ""


class ErrorBody(msgspec.Struct, kw_only=True):
    error: ErrorDetail


# ---------------------------------------------------------------- tables

# the provider's payment status -> outcome status (unknown statuses are UNKNOWN)
STATUS: dict[str, OutcomeStatus] = {
    "authorized": OutcomeStatus.SUCCEEDED,
    "captured": OutcomeStatus.SUCCEEDED,
    "declined": OutcomeStatus.FAILED,
    "requires_action": OutcomeStatus.REQUIRES_ACTION,
    "processing": OutcomeStatus.PENDING,
}

# the provider's decline codes -> unified decline codes (unmapped -> unknown)
DECLINES: dict[str, DeclineCode] = {
    "insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
    "do_not_honor": DeclineCode.DO_NOT_HONOR,
    "expired_card": DeclineCode.EXPIRED_CARD,
}


def payment_outcome(payment: Payment) -> Outcome:
    """The outcome a payment object proves."""
    status = STATUS.get(payment.status, OutcomeStatus.UNKNOWN)
    summary = {"provider_status": payment.status}
    if status is OutcomeStatus.FAILED:
        provider_code = payment.decline_code or payment.status
        return Outcome(
            status=status,
            provider_reference=payment.id,
            failure=Failure(
                code=FailureCode.CARD_DECLINED,
                decline_code=DECLINES.get(provider_code, DeclineCode.UNKNOWN),
                message=payment.message or "declined",
                provider_code=provider_code,
            ),
            summary=summary,
        )
    if status is OutcomeStatus.REQUIRES_ACTION:
        return Outcome(
            status=status,
            provider_reference=payment.id,
            next_action=NextAction(type="redirect", url=payment.redirect_url),
            summary=summary,
        )
    return Outcome(
        status=status,
        provider_reference=payment.id,
        amount=payment.amount if status is OutcomeStatus.SUCCEEDED else None,
        captured=payment.status == "captured",
        reason=None if status.definite else f"provider status {payment.status!r}",
        summary=summary,
    )
''')

_FLOWS = Template('''"""${Title} adapter: the HTTP flows.

Capabilities start minimal (authorize with a provider token; ambiguity resolved by
lookup). Add a capability only together with its method, its resolution
strategy and the fake's side of it; ``payhub contract-test ${name}`` tells you
what is missing. Rules (adapters/base.py): a 2xx is not success until the body
says so; FAILED only when the provider proves nothing happened; send
``request.idempotency_key`` as the provider's idempotency key and
``request.payment_id`` as a reference the provider echoes.
"""

from __future__ import annotations

from typing import ClassVar

import httpx
import msgspec

from adapters.base import (
    Adapter,
    AuthorizeRequest,
    Capabilities,
    Capability,
    Failure,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    OperationKind,
    Outcome,
    OutcomeStatus,
    Strategy,
)
from adapters.classify import classify_status, send, unparseable
from adapters.${name} import mapping


class ${Class}Adapter(Adapter):
    name: ClassVar[str] = "${name}"
    capabilities: ClassVar[Capabilities] = Capabilities(
        features=frozenset({Capability.AUTHORIZE, Capability.PROVIDER_TOKEN, Capability.LOOKUP}),
        resolution={OperationKind.AUTHORIZE: (Strategy.LOOKUP,)},
        required_credentials=("api_key",),
    )

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {
            "authorization": f"Bearer {self.account.credentials['api_key']}",
            "content-type": "application/json",
        }
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        return headers

    def _rejected(self, response: httpx.Response) -> Outcome:
        """A 4xx: the provider proved it did nothing."""
        try:
            detail = msgspec.json.decode(response.content, type=mapping.ErrorBody).error
        except msgspec.ValidationError:
            detail = mapping.ErrorDetail(message=response.text[:200])
        if detail.type == "idempotency_error":
            # the key was used with another request: this one did nothing, and what the
            # first one did is not told here (resolution goes on with lookup)
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                reason=f"idempotency key refused: {detail.message}",
                summary={"http_status": response.status_code},
            )
        code = (
            FailureCode.PROVIDER_CONFIGURATION
            if response.status_code in (401, 403)
            else FailureCode.INVALID_REQUEST
        )
        return Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(code=code, message=detail.message, provider_code=detail.code),
            summary={"http_status": response.status_code},
        )

    def _payment(self, response: httpx.Response) -> Outcome:
        generic = classify_status(response)
        if generic is not None:
            return generic
        if response.status_code >= 400:
            return self._rejected(response)
        try:
            payment = msgspec.json.decode(response.content, type=mapping.Payment)
        except msgspec.DecodeError as exc:
            return unparseable(response, str(exc))
        return mapping.payment_outcome(payment)

    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        method = request.payment_method
        if method.type != "provider_token" or not method.token:
            raise InvalidRequest("${name} accepts provider tokens only", field="payment_method")
        body = mapping.PaymentCreate(
            amount=request.amount,
            currency=request.currency,
            token=method.token,
            capture=request.capture,
            reference=request.payment_id,
            merchant_reference=request.reference,
            metadata=request.metadata,
        )
        reply = await send(
            self.client,
            "POST",
            "/payments",
            content=msgspec.json.encode(body),
            headers=self._headers(request.idempotency_key),
        )
        if isinstance(reply, Outcome):
            return reply
        return self._payment(reply)

    async def lookup(self, request: LookupRequest) -> Outcome:
        if request.kind is not OperationKind.AUTHORIZE:
            return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"lookup of {request.kind.value} not implemented")
        if request.provider_reference:
            reply = await send(self.client, "GET", f"/payments/{request.provider_reference}", headers=self._headers())
            return reply if isinstance(reply, Outcome) else self._payment(reply)
        reply = await send(
            self.client, "GET", "/payments", params={"reference": request.payment_id}, headers=self._headers()
        )
        if isinstance(reply, Outcome):
            return reply
        generic = classify_status(reply)
        if generic is not None:
            return generic
        if reply.status_code >= 400:
            return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"lookup answered {reply.status_code}")
        try:
            found = msgspec.json.decode(reply.content, type=mapping.PaymentList).data
        except msgspec.DecodeError as exc:
            return unparseable(reply, str(exc))
        if not found:
            # not proof that nothing happened (it may be in flight): stay ambiguous
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="no payment with this reference yet")
        return mapping.payment_outcome(found[0])
''')

_FAKE = Template('''"""A fake of the ${Title} API for the contract suite (see contract_tests/fakes/base.py).

Write it from the provider's public API documentation, not from the adapter:
validate requests as the provider does, honour idempotency keys as documented,
keep objects in memory, and sign notifications as the provider would. Transport
faults are not its job (contract_tests.faults.FaultTransport wraps it).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get, post

from adapters.base import Account, BankAccount, DeclineCode, NextAction, OperationKind, PaymentMethod
from contract_tests.fakes.base import Notification

API_KEY = "${name}_test_key"

# test tokens, as the provider documents them
APPROVE = "tok_approve"
DECLINES: dict[DeclineCode, str] = {
    DeclineCode.INSUFFICIENT_FUNDS: "tok_insufficient_funds",
    DeclineCode.DO_NOT_HONOR: "tok_do_not_honor",
    DeclineCode.EXPIRED_CARD: "tok_expired_card",
}


class _Create(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amount: int
    currency: str
    token: str
    capture: bool = False
    reference: str
    merchant_reference: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


def _error(status: int, type_: str, message: str, code: str | None = None) -> Response[Any]:
    return Response({"error": {"type": type_, "code": code, "message": message}}, status_code=status)


class Fake:
    adapter_name = "${name}"
    supports_stale_check = False

    def __init__(self) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, tuple[bytes, int, dict[str, Any]]] = {}
        self.performed: Counter[OperationKind] = Counter()
        self._ids = itertools.count(1)
        self._app = self._build()

    # ---------------------------------------------------------------- the API
    def _build(self) -> Litestar:
        fake = self

        def authorized(request: Request[Any, Any, Any]) -> bool:
            return request.headers.get("authorization") == f"Bearer {API_KEY}"

        @post("/payments", status_code=200)
        async def create_payment(request: Request[Any, Any, Any]) -> Response[Any]:
            if not authorized(request):
                return _error(401, "authentication_error", "invalid api key")
            raw = await request.body()
            key = request.headers.get("idempotency-key")
            if key and key in fake.idempotency:
                seen_body, status, saved = fake.idempotency[key]
                if seen_body != raw:
                    return _error(400, "idempotency_error", "key reused with another request")
                return Response(saved, status_code=status)
            try:
                body = msgspec.json.decode(raw, type=_Create)
            except msgspec.ValidationError as exc:
                return _error(400, "invalid_request_error", str(exc))
            pid = f"pay_{next(fake._ids):06d}"
            payment: dict[str, Any] = {
                "id": pid,
                "amount": body.amount,
                "currency": body.currency,
                "reference": body.reference,
                "status": "captured" if body.capture else "authorized",
            }
            declined = {v: k for k, v in DECLINES.items()}
            if body.token in declined:
                payment.update(status="declined", decline_code=declined[body.token].value, message="declined")
            elif body.token != APPROVE:
                return _error(400, "invalid_request_error", "no such token", "resource_missing")
            fake.payments[pid] = payment
            fake.performed[OperationKind.AUTHORIZE] += 1
            if key:
                fake.idempotency[key] = (raw, 200, dict(payment))
            return Response(payment, status_code=200)

        @get("/payments/{pid:str}")
        async def get_payment(request: Request[Any, Any, Any]) -> Response[Any]:
            pid = str(request.path_params["pid"])
            if not authorized(request):
                return _error(401, "authentication_error", "invalid api key")
            if pid not in fake.payments:
                return _error(404, "invalid_request_error", "no such payment", "resource_missing")
            return Response(fake.payments[pid], status_code=200)

        @get("/payments")
        async def list_payments(request: Request[Any, Any, Any]) -> Response[Any]:
            reference = request.query_params.get("reference")
            if not authorized(request):
                return _error(401, "authentication_error", "invalid api key")
            found = [p for p in fake.payments.values() if p["reference"] == reference]
            return Response({"data": found[::-1]}, status_code=200)

        return Litestar(route_handlers=[create_payment, get_payment, list_payments], debug=False)

    # ---------------------------------------------------------------- ProviderFake
    @property
    def app(self) -> Litestar:
        return self._app

    def account(self, base_url: str) -> Account:
        return Account(id="${name}-fake", adapter="${name}", base_url=base_url, credentials={"api_key": API_KEY})

    def approve_method(self) -> PaymentMethod:
        return PaymentMethod(type="provider_token", token=APPROVE)

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        return {code: PaymentMethod(type="provider_token", token=tok) for code, tok in DECLINES.items()}

    def three_ds_method(self) -> PaymentMethod | None:
        return None

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        raise NotImplementedError("${name} fake: no 3DS yet")

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return (None, None)

    def count(self, kind: OperationKind) -> int:
        return self.performed[kind]

    def notifications(self) -> list[Notification]:
        return []

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        return {}

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        return Notification({}, body, "unsigned")

    async def advance(self, seconds: float = 0.0) -> None:
        return None
''')


def files_for(name: str) -> dict[str, str]:
    """Relative path -> content of every file :func:`create` writes."""
    _validate(name)
    subs = {"name": name, "Class": _class_name(name), "Title": _class_name(name)}
    return {
        f"adapters/{name}/__init__.py": _INIT.substitute(subs),
        f"adapters/{name}/flows.py": _FLOWS.substitute(subs),
        f"adapters/{name}/mapping.py": _MAPPING.substitute(subs),
        f"contract_tests/fakes/{name}.py": _FAKE.substitute(subs),
    }


def _validate(name: str) -> None:
    if not _NAME.match(name) or keyword.iskeyword(name) or "__" in name or name.endswith("_"):
        raise ScaffoldError(
            f"adapter name {name!r} must be a lower-case identifier (letters, digits, _), 2-39 characters"
        )
    if name in RESERVED:
        raise ScaffoldError(f"adapter name {name!r} is reserved")


def create(name: str, dest_root: Path, *, overwrite: bool = False) -> list[Path]:
    """Generate the adapter package and its fake under ``dest_root``; returns the files written."""
    files = files_for(name)
    root = Path(dest_root)
    targets = {root / rel: content for rel, content in files.items()}
    if not overwrite:
        existing = [p for p in targets if p.exists()]
        package = root / "adapters" / name
        if package.exists():
            existing.insert(0, package)
        if existing:
            raise ScaffoldError(f"refusing to overwrite: {', '.join(str(p) for p in existing)}")
    written: list[Path] = []
    for path, content in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
