"""The simulated PSP: a small, stateful, Stripe-like payment provider as an ASGI app.

It is what the embedded default (``payhub serve`` with no configuration) talks to,
and the reference provider for the adapter contract suite. State lives in memory
on the app instance (``sim_state(app)``); nothing is persisted.

HTTP API (JSON; ``Authorization: Bearer <api_key>`` on ``/v1`` and ``/_sim`` when the
app was created with an ``api_key``; amounts in ISO 4217 minor units, currency upper case)
-----------------------------------------------------------------------------------------

``POST /v1/charges``                       create a charge: ``{amount, currency, card:{number,
                                           exp_month, exp_year, cvc, holder_name} | token, capture
                                           (default true), reference, description, metadata,
                                           three_ds:{mode: if_required|always|never, return_url}}``
                                           -> 200 charge (``authorized`` | ``captured`` |
                                           ``requires_action`` with ``next_action.url``), or 402
                                           ``card_error`` with ``decline_code`` and the declined
                                           ``charge`` id.
``GET  /v1/charges/{id}``                  retrieve a charge.
``GET  /v1/charges?reference=R``           charges whose ``reference`` is R, newest first.
``POST /v1/charges/{id}/capture``          ``{amount?, final=true, reference?}`` -> 200 capture.
                                           Partial and multiple captures (``final=false`` keeps
                                           the rest open); 400 ``amount_exceeds_capturable``.
``POST /v1/charges/{id}/void``             cancel an authorization (or release what is left
                                           after non-final captures) -> 200 charge.
``POST /v1/charges/{id}/refunds``          ``{amount?, reference?, metadata?}`` -> 200 refund;
                                           partial and multiple; 400 ``amount_exceeds_refundable``.
``GET  /v1/refunds/{id}``                  retrieve a refund.
``POST /v1/charges/{id}/authenticate``     finish 3DS after the shopper used the challenge page
                                           (``{capture?}``): 200 charge (``authorized`` /
                                           ``captured``; still ``requires_action`` while the
                                           shopper has not acted), or 402 ``authentication_failed``.
``POST /v1/payouts``                       ``{amount, currency, destination:{type: bank_account,
                                           iban, bic, name, country} | {type: card, number,
                                           exp_month, exp_year, holder_name}, reference}`` -> 200
                                           payout ``pending``; it becomes ``paid`` (or ``failed``)
                                           ``payout_delay`` seconds later, and may then be
                                           ``returned``. Invalid IBAN: 400 ``invalid_iban``.
``GET  /v1/payouts/{id}``, ``GET /v1/payouts?reference=R``
``POST /v1/tokens``                        ``{card}`` -> ``tok_...`` usable as ``token``.
``GET  /v1/idempotency/{key}``             what the request sent with that Idempotency-Key did:
                                           ``status`` in_flight | completed | sealed and the saved
                                           ``response`` {status, body}; 404 if never seen.
``POST /v1/idempotency/{key}/seal``        the same, and when the key was never seen, seal it: a
                                           request arriving later with that key is refused (400
                                           ``idempotency_key_sealed``) and does nothing. This turns
                                           "no record" into proof that the operation never happened.
``GET  /3ds/{charge_id}``                  the challenge page (HTML, Complete / Fail buttons);
``POST /3ds/{charge_id}``                  (form ``result=success|failure``) records the result and
                                           303-redirects to ``return_url`` with
                                           ``?sim_charge=<id>&sim_result=success|failure``.
``GET  /_sim/stats``                       ``{operations: {authorize, authenticate, capture, void,
                                           refund, payout}, requests, replays}``.
``GET  /_sim/events?after=evt_..``         the events recorded, each with its Standard Webhooks
                                           headers (signed now) and raw body; ``type=payout.``
                                           keeps types with that prefix, ``limit=N`` pages
                                           (``has_more``).
``POST /_sim/advance``                     ``{seconds}``: move the simulator's clock (payouts).
``GET  /v1/balance_transactions``          the simulator's books (charges with fees, refunds,
                                           payouts), Stripe-like paging; ``_sim`` helpers inject,
                                           change and drop lines (``books.py``, ``books_routes.py``).

Errors are ``{"error": {type, code, message, decline_code?, param?, charge?}}``; types:
``card_error`` (402), ``invalid_request_error`` (400/404), ``idempotency_error`` (400/409),
``authentication_error`` (401), ``api_error`` (500). Every 4xx means nothing happened.

Idempotency (as Stripe documents it): every ``POST /v1`` accepts ``Idempotency-Key``. The
first request's response is saved (unless the request failed validation, in which case
nothing began executing and nothing is saved); the same key with the same parameters
replays it with ``Idempotent-Replayed: true`` and no second effect; the same key with
other parameters (or on another endpoint) answers 400 ``idempotency_key_reused``; the
same key while the first is still executing answers 409 ``idempotency_key_in_use``.

Test cards::

    4242424242424242  approved                    4000000000003220  3DS challenge
    4000000000000002  declined do_not_honor       4000000000000259  records the charge, then
    4000000000009995  declined insufficient_funds                   hangs ``hang_seconds``
    4000000000000069  declined expired_card       4000000000000341  500 WITHOUT charging
    4000000000000127  declined incorrect_cvc      (any other Luhn-valid number approves;
    4000000000009987  declined lost_card           a non-Luhn number: 402 invalid_number)
    4100000000000019  declined fraudulent
    4000000000000119  declined processing_error

Tokens: ``tok_<test card number>`` (e.g. ``tok_4242424242424242``) or one from ``POST /v1/tokens``.
3DS: ``three_ds.mode=always`` challenges every card (the card's own outcome applies after a
successful challenge); ``never`` declines the 3DS card with ``authentication_required``.

Disputes: see ``adapters.simulator.dispute_desk`` (test cards 4000000000002685 chargeback,
4000000000001976 inquiry, disputed once captured; ``POST /_sim/disputes`` opens one on any
captured charge, ``POST /_sim/disputes/{id}/close`` decides it; ``GET /v1/disputes/{id}``,
``POST /v1/disputes/{id}/evidence``, ``POST /v1/disputes/{id}/accept``).

Test IBANs (valid mod-97; any other valid IBAN is paid)::

    DE89370400440532013000  paid
    DE24370400440000000404  failed AC04 (closed account)
    DE57370400440000000101  failed AC01 (incorrect account number)
    DE89370400440000000204  failed AM04 (insufficient funds)
    DE61370400440000000999  paid, then returned AC04

The 500 card and invalid input never record anything; every other 2xx/402 answer from
``POST /v1/charges`` records a charge *before* answering (the hang card records and then
waits), so a charge that the simulator has no record of, under the hub's reference and
under the key, was never made.

Webhooks: every state change records an event (``charge.requires_action``,
``charge.authorized``, ``charge.captured``, ``charge.failed``, ``charge.voided``,
``charge.refunded``, ``payout.paid``, ``payout.failed``, ``payout.returned``) with body
``{"object":"event","id":"evt_sim_..","type",..,"created",..,"data":{"object": <charge or
payout>, "operation": <capture or refund, when the event is about one>}}``, signed per
Standard Webhooks with ``webhook_secret``; when ``webhook_url`` is set it is POSTed there
(up to ``webhook_attempts`` tries with backoff).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.enums import MediaType

from adapters.simulator.books import Books
from adapters.simulator.books_routes import book_routes
from adapters.simulator.dispute_desk import DisputeDesk
from adapters.simulator.mapping import (
    AdvanceIn,
    AuthenticateCreate,
    CaptureCreate,
    CaptureOut,
    CardIn,
    CardSummary,
    ChargeCreate,
    ChargeList,
    ChargeOut,
    DestinationOut,
    ErrorDetail,
    ErrorOut,
    EventData,
    EventOut,
    IdempotencyRecordOut,
    NextActionOut,
    PaymentMethodOut,
    PayoutCreate,
    PayoutList,
    PayoutOut,
    RefundCreate,
    RefundOut,
    SavedResponse,
    SignedEventList,
    SignedEventOut,
    StatsOut,
    ThreeDSOut,
    TokenCreate,
    TokenOut,
    VoidCreate,
)
from webhooks.standard import generate_secret, sign_headers

__all__ = [
    "OPERATION_KINDS",
    "TEST_CARDS",
    "TEST_IBANS",
    "SimulatorState",
    "client_for",
    "create_app",
    "iban_valid",
    "luhn_valid",
    "serve",
    "sim_state",
]

# --------------------------------------------------------------------------- test data

# behaviours: "approve", "challenge", "hang", "server_error", "decline:<code>"
TEST_CARDS: dict[str, str] = {
    "4242424242424242": "approve",
    "4000000000000002": "decline:do_not_honor",
    "4000000000009995": "decline:insufficient_funds",
    "4000000000000069": "decline:expired_card",
    "4000000000000127": "decline:incorrect_cvc",
    "4000000000009987": "decline:lost_card",
    "4100000000000019": "decline:fraudulent",
    "4000000000000119": "decline:processing_error",
    "4000000000003220": "challenge",
    "4000000000000259": "hang",
    "4000000000000341": "server_error",
}

# IBAN -> (failure reason or None, returned after paid)
TEST_IBANS: dict[str, tuple[str | None, bool]] = {
    "DE89370400440532013000": (None, False),
    "DE24370400440000000404": ("AC04", False),
    "DE57370400440000000101": ("AC01", False),
    "DE89370400440000000204": ("AM04", False),
    "DE61370400440000000999": (None, True),
}

BANK_REASON_TEXT: dict[str, str] = {
    "AC01": "incorrect account number",
    "AC04": "closed account number",
    "AM04": "insufficient funds",
}

DECLINE_TEXT: dict[str, str] = {
    "do_not_honor": "The card was declined.",
    "insufficient_funds": "The card has insufficient funds.",
    "expired_card": "The card has expired.",
    "incorrect_cvc": "The card's security code is incorrect.",
    "lost_card": "The card was reported lost or stolen.",
    "fraudulent": "The payment was declined as suspected fraud.",
    "processing_error": "An error occurred while processing the card.",
    "invalid_number": "The card number is not a valid card number.",
    "authentication_required": "The card requires 3D Secure authentication.",
    "authentication_failed": "3D Secure authentication failed.",
}

OPERATION_KINDS = ("authorize", "authenticate", "capture", "void", "refund", "payout")


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit() or not s.isalnum():
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:2] == "22":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


# --------------------------------------------------------------------------- state


class _Reply(NamedTuple):
    status: int
    body: bytes
    save: bool = True  # saved under the Idempotency-Key (False: validation error, nothing began)
    delay: float = 0.0  # seconds to wait before answering (the hang card)


@dataclass
class _IdemRecord:
    key: str
    status: str  # in_flight | completed | sealed
    fingerprint: str | None
    method: str | None
    path: str | None
    created: int
    response_status: int | None = None
    response_body: bytes | None = None


@dataclass
class _Charge:
    out: ChargeOut
    after_auth: str  # behaviour once 3DS succeeded: "approve" or "decline:<code>"


@dataclass
class _Payout:
    out: PayoutOut
    created_at: float  # simulated clock
    failure: str | None
    returns: bool


@dataclass
class _Event:
    id: str
    type: str
    created: int
    body: bytes
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _error(
    status: int,
    type_: str,
    code: str,
    message: str = "",
    *,
    save: bool = True,
    decline_code: str | None = None,
    param: str | None = None,
    charge: str | None = None,
) -> _Reply:
    detail = ErrorDetail(
        type=type_, code=code, message=message, decline_code=decline_code, param=param, charge=charge
    )
    return _Reply(status, _json(ErrorOut(error=detail)), save=save)


def _invalid(exc: Exception) -> _Reply:
    return _error(400, "invalid_request_error", "parameter_invalid", str(exc), save=False)


def _missing(what: str, id_: str) -> _Reply:
    return _error(404, "invalid_request_error", "resource_missing", f"No such {what}: {id_}", save=False)


def _fingerprint(method: str, path: str, body: bytes) -> str:
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted") if body else b""
    except msgspec.DecodeError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class SimulatorState:
    """Everything the simulated PSP knows. One instance per app (``sim_state(app)``)."""

    def __init__(
        self,
        *,
        hang_seconds: float = 30.0,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        webhook_url: str | None = None,
        payout_delay: float = 1.0,
        payout_return_delay: float | None = None,
        public_url: str | None = None,
        webhook_attempts: int = 3,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.hang_seconds = hang_seconds
        self.api_key = api_key
        self.webhook_secret = webhook_secret or generate_secret()
        self.webhook_url = webhook_url
        self.payout_delay = payout_delay
        self.payout_return_delay = payout_delay if payout_return_delay is None else payout_return_delay
        self.public_url = public_url.rstrip("/") if public_url else None
        self.webhook_attempts = webhook_attempts
        self._webhook_transport = webhook_transport
        self._webhook_client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.clock_offset = 0.0

        self.charges: dict[str, _Charge] = {}
        self._charges_by_reference: dict[str | None, list[_Charge]] = {}  # a search is a lookup, not a scan
        self.refunds: dict[str, RefundOut] = {}
        self.payouts: dict[str, _Payout] = {}
        self.tokens: dict[str, CardIn] = {}
        self.idempotency: dict[str, _IdemRecord] = {}
        self.events: list[_Event] = []
        self._event_index: dict[str, int] = {}  # event id -> position in self.events
        self.operations: dict[str, int] = dict.fromkeys(OPERATION_KINDS, 0)
        self.requests = 0
        self.replays = 0
        self.dispute_desk = DisputeDesk(self.now, self.record_event, self._charge_out)
        self.books = Books(self.now)  # the balance transactions (books.py, DESIGN §14)

    # ---- clock
    def now(self) -> float:
        return time.time() + self.clock_offset

    def _ts(self) -> int:
        return int(self.now())

    async def advance(self, seconds: float = 0.0) -> None:
        """Let simulated time pass (payouts settle); events fire as they would have."""
        self.clock_offset += seconds
        self.settle()
        await asyncio.sleep(0)

    # ---- test instruments
    def stats(self) -> StatsOut:
        return StatsOut(operations=dict(self.operations), requests=self.requests, replays=self.replays)

    def count(self, kind: str) -> int:
        """Distinct operations of ``kind`` really performed (replays count once)."""
        return self.operations.get(kind, 0)

    def signed_events(self, after: str | None = None) -> list[SignedEventOut]:
        return self.events_page(after)[0]

    def events_page(
        self, after: str | None = None, *, type_prefix: str | None = None, limit: int | None = None
    ) -> tuple[list[SignedEventOut], bool]:
        """Events after the one with id ``after`` (all when None), optionally only those whose
        type starts with ``type_prefix``, at most ``limit``; and whether more follow."""
        events = self.events
        if after is not None:
            index = self._event_index.get(after)
            events = events[index + 1 :] if index is not None else []
        if type_prefix:  # one prefix, or several separated by commas
            prefixes = tuple(p for p in type_prefix.split(",") if p)
            events = [e for e in events if e.type.startswith(prefixes)]
        more = limit is not None and len(events) > limit
        if limit is not None:
            events = events[:limit]
        page = [
            SignedEventOut(
                id=e.id,
                type=e.type,
                created=e.created,
                headers=self.sign(e.id, e.body),
                body=e.body.decode(),
                deliveries=list(e.deliveries),
            )
            for e in events
        ]
        return page, more

    def sign(self, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Standard Webhooks headers, signed with real time (not the simulated clock)."""
        return sign_headers(self.webhook_secret, msg_id, body, timestamp)

    def complete_challenge(self, charge_id: str, succeed: bool) -> dict[str, str] | None:
        """What the challenge page's buttons do; returns the params appended to return_url."""
        ch = self.charges.get(charge_id)
        if ch is None or ch.out.three_ds is None:
            return None
        if ch.out.status == "requires_action" and ch.out.three_ds.result is None:
            ch.out.three_ds.result = "success" if succeed else "failure"
        return {"sim_charge": charge_id, "sim_result": ch.out.three_ds.result or "failure"}

    def check_auth(self, authorization: str | None) -> bool:
        if self.api_key is None:
            return True
        expected = f"Bearer {self.api_key}"
        return authorization is not None and hmac.compare_digest(authorization.encode(), expected.encode())

    # ---- events
    def _event(
        self, type_: str, obj: ChargeOut | PayoutOut, operation: CaptureOut | RefundOut | None = None
    ) -> None:
        def body_of(ev_id: str, created: int) -> bytes:
            data = EventData(object=obj, operation=operation)
            return _json(EventOut(id=ev_id, type=type_, created=created, data=data))

        self.record_event(type_, body_of)
        if type_ == "charge.captured" and isinstance(obj, ChargeOut):
            self.dispute_desk.on_captured(obj.id)  # a dispute test card is disputed once captured

    def _charge_out(self, charge_id: str) -> ChargeOut | None:
        ch = self.charges.get(charge_id)
        return ch.out if ch is not None else None

    def record_event(self, type_: str, body_of: Callable[[str, int], bytes]) -> None:
        """Record an event (body made by ``body_of(id, created)``) and deliver it to ``webhook_url``."""
        ev_id = _new_id("evt_sim_")
        created = self._ts()
        event = _Event(id=ev_id, type=type_, created=created, body=body_of(ev_id, created))
        self._event_index[ev_id] = len(self.events)
        self.events.append(event)
        if self.webhook_url:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            task = loop.create_task(self._deliver(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, event: _Event) -> None:
        assert self.webhook_url is not None
        if self._webhook_client is None:
            self._webhook_client = httpx.AsyncClient(transport=self._webhook_transport, timeout=10.0)
        for attempt in range(self.webhook_attempts):
            headers = {**self.sign(event.id, event.body), "content-type": "application/json"}
            record: dict[str, Any] = {"attempt": attempt + 1, "at": int(time.time())}
            try:
                response = await self._webhook_client.post(
                    self.webhook_url, content=event.body, headers=headers
                )
                record["status"] = response.status_code
            except httpx.HTTPError as exc:
                record["error"] = type(exc).__name__
            event.deliveries.append(record)
            if 200 <= record.get("status", 0) < 300:
                return
            await asyncio.sleep(0.5 * 2**attempt)

    async def drain(self) -> None:
        """Wait for webhook deliveries in progress (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._webhook_client is not None:
            await self._webhook_client.aclose()
            self._webhook_client = None

    # ---- idempotency
    async def idempotent(
        self, method: str, path: str, key: str | None, body: bytes, handler: Callable[[bytes], _Reply]
    ) -> Response[bytes]:
        if key is None:
            reply = handler(body)
            if reply.delay:
                await asyncio.sleep(reply.delay)
            return _response(reply.status, reply.body)
        if not 1 <= len(key) <= 255:
            return _response(
                *_error(400, "idempotency_error", "idempotency_key_invalid", "1-255 characters")[:2]
            )
        fingerprint = _fingerprint(method, path, body)
        record = self.idempotency.get(key)
        if record is not None:
            if record.status == "sealed":
                r = _error(
                    400,
                    "idempotency_error",
                    "idempotency_key_sealed",
                    "This key was sealed by a lookup that found no request with it; nothing was done.",
                )
                return _response(r.status, r.body)
            if record.status == "in_flight":
                r = _error(
                    409,
                    "idempotency_error",
                    "idempotency_key_in_use",
                    "A request with this key is still being processed; retry later.",
                )
                return _response(r.status, r.body)
            if record.fingerprint != fingerprint:
                r = _error(
                    400,
                    "idempotency_error",
                    "idempotency_key_reused",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                )
                return _response(r.status, r.body)
            self.replays += 1
            assert record.response_status is not None and record.response_body is not None
            return _response(record.response_status, record.response_body, {"Idempotent-Replayed": "true"})
        record = _IdemRecord(
            key=key, status="in_flight", fingerprint=fingerprint, method=method, path=path, created=self._ts()
        )
        self.idempotency[key] = record
        try:
            reply = handler(body)  # synchronous: check, record and answer happen atomically
        except BaseException:
            del self.idempotency[key]
            raise
        if not reply.save:
            del self.idempotency[key]
            return _response(reply.status, reply.body)
        record.response_status, record.response_body = reply.status, reply.body
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:  # even when the client gave up (cancelled): the outcome is saved
            record.status = "completed"
        return _response(reply.status, reply.body)

    def idempotency_record(self, key: str, *, seal: bool = False) -> IdempotencyRecordOut | None:
        record = self.idempotency.get(key)
        if record is None:
            if not seal:
                return None
            record = _IdemRecord(
                key=key, status="sealed", fingerprint=None, method=None, path=None, created=self._ts()
            )
            self.idempotency[key] = record
        saved = None
        if record.response_status is not None and record.response_body is not None:
            saved = SavedResponse(status=record.response_status, body=record.response_body.decode())
        return IdempotencyRecordOut(
            key=record.key,
            status=record.status,
            method=record.method,
            path=record.path,
            response=saved,
            created=record.created,
        )

    # ---- charges
    def _resolve_card(self, req: ChargeCreate) -> CardIn | _Reply:
        if (req.card is None) == (req.token is None):
            return _error(
                400,
                "invalid_request_error",
                "parameter_invalid",
                "Exactly one of card or token is required.",
                save=False,
                param="card",
            )
        if req.card is not None:
            return req.card
        token = req.token or ""
        if token in self.tokens:
            return self.tokens[token]
        number = token.removeprefix("tok_")
        if token.startswith("tok_") and number.isdigit():
            return CardIn(number=number, exp_month=12, exp_year=2099, cvc="123")
        return _error(
            400,
            "invalid_request_error",
            "token_invalid",
            f"No such token: {token}",
            save=False,
            param="token",
        )

    def create_charge(self, body: bytes, base_url: str) -> _Reply:
        try:
            req = msgspec.json.decode(body, type=ChargeCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        card = self._resolve_card(req)
        if isinstance(card, _Reply):
            return card
        number = card.number.replace(" ", "")
        if not luhn_valid(number):
            return _error(
                402,
                "card_error",
                "invalid_number",
                DECLINE_TEXT["invalid_number"],
                decline_code="invalid_number",
                param="card.number",
            )
        behaviour = TEST_CARDS.get(number, "approve")
        if behaviour == "server_error":
            # answered without recording anything (the saved response replays the 500)
            return _error(
                500, "api_error", "internal_error", "Simulated internal error: nothing was charged."
            )
        mode = req.three_ds.mode if req.three_ds else "if_required"
        return_url = req.three_ds.return_url if req.three_ds else None
        after_auth = "approve" if behaviour in ("challenge", "hang") else behaviour
        challenge = (behaviour == "challenge" and mode != "never") or (mode == "always")
        if challenge and not return_url:
            return _error(
                400,
                "invalid_request_error",
                "parameter_missing",
                "three_ds.return_url is required for a card that needs 3D Secure.",
                save=False,
                param="three_ds.return_url",
            )
        if behaviour == "challenge" and mode == "never":
            after_auth = "decline:authentication_required"

        charge_id = _new_id("ch_sim_")
        out = ChargeOut(
            id=charge_id,
            status="requires_action",
            amount=req.amount,
            currency=req.currency,
            capture_requested=req.capture,
            reference=req.reference,
            description=req.description,
            metadata=dict(req.metadata),
            payment_method=PaymentMethodOut(
                type="token" if req.token else "card",
                token=req.token,
                card=CardSummary(
                    brand=_brand(number), last4=number[-4:], exp_month=card.exp_month, exp_year=card.exp_year
                ),
            ),
            three_ds=ThreeDSOut(mode=mode, return_url=return_url),
            created=self._ts(),
        )
        ch = _Charge(out=out, after_auth=after_auth)
        self.charges[charge_id] = ch
        self._charges_by_reference.setdefault(out.reference, []).append(ch)
        self.dispute_desk.plan(charge_id, number)
        self.operations["authorize"] += 1
        delay = self.hang_seconds if behaviour == "hang" else 0.0
        if challenge:
            out.next_action = NextActionOut(
                type="redirect", url=f"{self.public_url or base_url}/3ds/{charge_id}"
            )
            self._event("charge.requires_action", out)
            return _Reply(200, _json(out), delay=delay)
        reply = self._finish_authorization(ch, capture=req.capture)
        return reply._replace(delay=delay)

    def _finish_authorization(self, ch: _Charge, *, capture: bool) -> _Reply:
        out = ch.out
        out.next_action = None
        if ch.after_auth.startswith("decline:"):
            code = ch.after_auth.removeprefix("decline:")
            out.status = "declined"
            out.decline_code = code
            out.failure_message = DECLINE_TEXT.get(code, "The card was declined.")
            self._event("charge.failed", out)
            return _error(
                402, "card_error", "card_declined", out.failure_message, decline_code=code, charge=out.id
            )
        if capture:
            out.status, out.captured = "captured", True
            out.amount_captured, out.amount_capturable = out.amount, 0
            self.books.charge(out.id, out.amount, out.currency, payment_id=out.reference, operation_id=None)
            self._event("charge.captured", out)
        else:
            out.status, out.amount_capturable = "authorized", out.amount
            self._event("charge.authorized", out)
        return _Reply(200, _json(out))

    def authenticate(self, charge_id: str, body: bytes) -> _Reply:
        try:
            req = msgspec.json.decode(body or b"{}", type=AuthenticateCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        ch = self.charges.get(charge_id)
        if ch is None:
            return _missing("charge", charge_id)
        out = ch.out
        if out.status != "requires_action":
            if out.status == "declined":
                return _error(
                    402,
                    "card_error",
                    "card_declined",
                    out.failure_message or "",
                    decline_code=out.decline_code,
                    charge=out.id,
                )
            return _Reply(200, _json(out))
        result = out.three_ds.result if out.three_ds else None
        if result is None:  # the shopper has not acted yet: nothing changes
            return _Reply(200, _json(out))
        self.operations["authenticate"] += 1
        if result != "success":
            ch.after_auth = "decline:authentication_failed"
            out.next_action = None
            out.status = "declined"
            out.decline_code = "authentication_failed"
            out.failure_message = DECLINE_TEXT["authentication_failed"]
            self._event("charge.failed", out)
            return _error(
                402,
                "card_error",
                "authentication_failed",
                out.failure_message,
                decline_code="authentication_failed",
                charge=out.id,
            )
        capture = out.capture_requested if req.capture is None else req.capture
        return self._finish_authorization(ch, capture=capture)

    def capture(self, charge_id: str, body: bytes) -> _Reply:
        try:
            req = msgspec.json.decode(body or b"{}", type=CaptureCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        ch = self.charges.get(charge_id)
        if ch is None:
            return _missing("charge", charge_id)
        out = ch.out
        if out.status not in ("authorized", "captured") or out.amount_capturable == 0:
            return _error(
                400,
                "invalid_request_error",
                "charge_not_capturable",
                f"Charge {out.id} is {out.status} with nothing left to capture.",
            )
        amount = req.amount if req.amount is not None else out.amount_capturable
        if amount > out.amount_capturable:
            return _error(
                400,
                "invalid_request_error",
                "amount_exceeds_capturable",
                f"Cannot capture {amount}: only {out.amount_capturable} is capturable.",
                param="amount",
            )
        cap = CaptureOut(
            id=_new_id("cap_sim_"),
            charge=out.id,
            charge_reference=out.reference,
            amount=amount,
            currency=out.currency,
            final=req.final,
            reference=req.reference,
            created=self._ts(),
        )
        out.amount_captured += amount
        out.amount_capturable = 0 if req.final else out.amount_capturable - amount
        out.status, out.captured = "captured", True
        out.captures.append(cap)
        self.books.charge(out.id, amount, out.currency, payment_id=out.reference, operation_id=req.reference)
        self.operations["capture"] += 1
        self._event("charge.captured", out, cap)
        return _Reply(200, _json(cap))

    def void(self, charge_id: str, body: bytes) -> _Reply:
        try:
            msgspec.json.decode(body or b"{}", type=VoidCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        ch = self.charges.get(charge_id)
        if ch is None:
            return _missing("charge", charge_id)
        out = ch.out
        if out.status == "requires_action" or (
            out.status in ("authorized", "captured") and out.amount_capturable
        ):
            out.amount_capturable = 0
            out.next_action = None
            if out.amount_captured == 0:
                out.status = "voided"
            self.operations["void"] += 1
            self._event("charge.voided", out)
            return _Reply(200, _json(out))
        return _error(
            400,
            "invalid_request_error",
            "charge_not_voidable",
            f"Charge {out.id} is {out.status} with no open authorization.",
        )

    def refund(self, charge_id: str, body: bytes) -> _Reply:
        try:
            req = msgspec.json.decode(body or b"{}", type=RefundCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        ch = self.charges.get(charge_id)
        if ch is None:
            return _missing("charge", charge_id)
        out = ch.out
        refundable = out.amount_captured - out.amount_refunded
        if out.amount_captured == 0:
            return _error(
                400,
                "invalid_request_error",
                "charge_not_captured",
                f"Charge {out.id} is {out.status}: nothing captured to refund.",
            )
        amount = req.amount if req.amount is not None else refundable
        if amount > refundable or refundable == 0:
            return _error(
                400,
                "invalid_request_error",
                "amount_exceeds_refundable",
                f"Cannot refund {amount}: only {refundable} is refundable.",
                param="amount",
            )
        refund = RefundOut(
            id=_new_id("re_sim_"),
            charge=out.id,
            charge_reference=out.reference,
            amount=amount,
            currency=out.currency,
            reference=req.reference,
            metadata=dict(req.metadata),
            created=self._ts(),
        )
        out.amount_refunded += amount
        out.refunded = out.amount_refunded == out.amount_captured and out.amount_capturable == 0
        out.refunds.append(refund)
        self.refunds[refund.id] = refund
        self.books.refund(
            refund.id, out.id, amount, out.currency, hub_refund=req.reference, payment_id=out.reference
        )
        self.operations["refund"] += 1
        self._event("charge.refunded", out, refund)
        return _Reply(200, _json(refund))

    def create_token(self, body: bytes) -> _Reply:
        try:
            req = msgspec.json.decode(body, type=TokenCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        number = req.card.number.replace(" ", "")
        if not luhn_valid(number):
            return _error(
                402,
                "card_error",
                "invalid_number",
                DECLINE_TEXT["invalid_number"],
                decline_code="invalid_number",
                param="card.number",
            )
        token = _new_id("tok_sim_")
        self.tokens[token] = req.card
        summary = CardSummary(
            brand=_brand(number), last4=number[-4:], exp_month=req.card.exp_month, exp_year=req.card.exp_year
        )
        return _Reply(200, _json(TokenOut(id=token, card=summary)))

    # ---- payouts
    def create_payout(self, body: bytes) -> _Reply:
        try:
            req = msgspec.json.decode(body, type=PayoutCreate)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _invalid(exc)
        dest = req.destination
        failure: str | None = None
        returns = False
        if dest.type == "bank_account":
            if not dest.iban or not dest.name:
                return _error(
                    400,
                    "invalid_request_error",
                    "parameter_missing",
                    "destination.iban and destination.name are required.",
                    save=False,
                    param="destination",
                )
            iban = dest.iban.replace(" ", "").upper()
            if not iban_valid(iban):
                return _error(
                    400,
                    "invalid_request_error",
                    "invalid_iban",
                    "destination.iban is not a valid IBAN.",
                    save=False,
                    param="destination.iban",
                )
            failure, returns = TEST_IBANS.get(iban, (None, False))
            dest_out = DestinationOut(
                type="bank_account",
                iban_last4=iban[-4:],
                country=dest.country or iban[:2],
                bic=dest.bic,
                name=dest.name,
            )
        else:
            number = (dest.number or "").replace(" ", "")
            if not luhn_valid(number) or dest.exp_month is None or dest.exp_year is None:
                return _error(
                    400,
                    "invalid_request_error",
                    "invalid_number",
                    "destination card number / expiry is invalid.",
                    save=False,
                    param="destination.number",
                )
            dest_out = DestinationOut(type="card", card_last4=number[-4:], name=dest.holder_name)
        out = PayoutOut(
            id=_new_id("po_sim_"),
            status="pending",
            amount=req.amount,
            currency=req.currency,
            destination=dest_out,
            reference=req.reference,
            description=req.description,
            metadata=dict(req.metadata),
            created=self._ts(),
        )
        self.payouts[out.id] = _Payout(out=out, created_at=self.now(), failure=failure, returns=returns)
        self.operations["payout"] += 1
        return _Reply(200, _json(out))

    def settle(self) -> None:
        """Move payouts along according to the simulated clock."""
        now = self.now()
        for p in self.payouts.values():
            out = p.out
            if out.status == "pending" and now >= p.created_at + self.payout_delay:
                if p.failure:
                    out.status, out.failure_code = "failed", p.failure
                    out.failure_message = BANK_REASON_TEXT.get(p.failure, p.failure)
                    self._event("payout.failed", out)
                else:
                    out.status, out.paid_at = "paid", int(p.created_at + self.payout_delay)
                    self.books.transfer(
                        out.id, out.amount, out.currency, hub_payout=out.reference, created=out.paid_at
                    )
                    self._event("payout.paid", out)
            if (
                out.status == "paid"
                and p.returns
                and now >= p.created_at + self.payout_delay + self.payout_return_delay
            ):
                out.status, out.failure_code = "returned", "AC04"
                out.failure_message = "returned by the beneficiary bank: " + BANK_REASON_TEXT["AC04"]
                out.returned_at = int(p.created_at + self.payout_delay + self.payout_return_delay)
                self.books.transfer(
                    out.id,
                    out.amount,
                    out.currency,
                    hub_payout=out.reference,
                    returned=True,
                    created=out.returned_at,
                )
                self._event("payout.returned", out)

    # ---- reads
    def charges_by_reference(self, reference: str) -> list[ChargeOut]:
        found = [c.out for c in self._charges_by_reference.get(reference, ()) if c.out.reference == reference]
        return list(reversed(found))

    def payouts_by_reference(self, reference: str) -> list[PayoutOut]:
        found = [p.out for p in self.payouts.values() if p.out.reference == reference]
        return list(reversed(found))


# --------------------------------------------------------------------------- HTTP


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers or {})


def _page(title: str, content: str, status: int = 200) -> Response[bytes]:
    doc = (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}"
        "button{font-size:1.1rem;margin:.5rem;padding:.5rem 1.5rem}</style></head><body>"
        + content
        + "</body></html>"
    )
    return Response(content=doc.encode(), status_code=status, media_type=MediaType.HTML)


def _path(request: Request[Any, Any, Any], name: str) -> str:
    return str(request.path_params[name])


def _limit(request: Request[Any, Any, Any]) -> int:
    try:
        return max(1, min(100, int(request.query_params.get("limit", "10"))))
    except ValueError:
        return 10


def sim_state(app: Litestar) -> SimulatorState:
    """The state of a simulator app made by :func:`create_app`."""
    state = app.state.get("simulator")
    if not isinstance(state, SimulatorState):
        raise TypeError("not a simulator app")
    return state


def create_app(
    *,
    hang_seconds: float = 30.0,
    api_key: str | None = None,
    webhook_secret: str | None = None,
    webhook_url: str | None = None,
    payout_delay: float = 1.0,
    payout_return_delay: float | None = None,
    public_url: str | None = None,
    webhook_attempts: int = 3,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> Litestar:
    """A fresh simulated PSP with its own in-memory state (see the module docstring).

    ``webhook_secret`` defaults to a generated ``whsec_...`` (read it from
    ``sim_state(app).webhook_secret``); ``public_url`` is the base of the 3DS page URLs
    (default: the URL the request came in on).
    """
    sim = SimulatorState(
        hang_seconds=hang_seconds,
        api_key=api_key,
        webhook_secret=webhook_secret,
        webhook_url=webhook_url,
        payout_delay=payout_delay,
        payout_return_delay=payout_return_delay,
        public_url=public_url,
        webhook_attempts=webhook_attempts,
        webhook_transport=webhook_transport,
    )

    async def before_request(request: Request[Any, Any, Any]) -> Response[bytes] | None:
        path = request.url.path
        if path.startswith(("/v1/", "/_sim/", "/simulator/")):
            if path.startswith("/v1/"):
                sim.requests += 1
            if not sim.check_auth(request.headers.get("authorization")):
                r = _error(401, "authentication_error", "invalid_api_key", "Invalid API key provided.")
                return _response(r.status, r.body)
        sim.settle()
        return None

    def base_url(request: Request[Any, Any, Any]) -> str:
        return str(request.base_url).rstrip("/")

    async def run(request: Request[Any, Any, Any], handler: Callable[[bytes], _Reply]) -> Response[bytes]:
        body = await request.body()
        return await sim.idempotent(
            request.method, request.url.path, request.headers.get("idempotency-key"), body, handler
        )

    def reply(r: _Reply) -> Response[bytes]:
        return _response(r.status, r.body)

    @post("/v1/charges")
    async def create_charge(request: Request[Any, Any, Any]) -> Response[bytes]:
        url = base_url(request)
        return await run(request, lambda body: sim.create_charge(body, url))

    @get("/v1/charges")
    async def list_charges(request: Request[Any, Any, Any]) -> Response[bytes]:
        reference, limit = request.query_params.get("reference"), _limit(request)
        if reference is None:
            data = list(reversed([c.out for c in sim.charges.values()]))
        else:
            data = sim.charges_by_reference(reference)
        return _response(200, _json(ChargeList(data=data[:limit], has_more=len(data) > limit)))

    @get("/v1/charges/{charge_id:str}")
    async def get_charge(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        ch = sim.charges.get(charge_id)
        return reply(_missing("charge", charge_id)) if ch is None else _response(200, _json(ch.out))

    @post("/v1/charges/{charge_id:str}/capture")
    async def capture_charge(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        return await run(request, lambda body: sim.capture(charge_id, body))

    @post("/v1/charges/{charge_id:str}/void")
    async def void_charge(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        return await run(request, lambda body: sim.void(charge_id, body))

    @post("/v1/charges/{charge_id:str}/refunds")
    async def refund_charge(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        return await run(request, lambda body: sim.refund(charge_id, body))

    @post("/v1/charges/{charge_id:str}/authenticate")
    async def authenticate_charge(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        return await run(request, lambda body: sim.authenticate(charge_id, body))

    @get("/v1/refunds/{refund_id:str}")
    async def get_refund(request: Request[Any, Any, Any]) -> Response[bytes]:
        refund_id = _path(request, "refund_id")
        refund = sim.refunds.get(refund_id)
        return reply(_missing("refund", refund_id)) if refund is None else _response(200, _json(refund))

    @post("/v1/tokens")
    async def create_token(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await run(request, sim.create_token)

    @post("/v1/payouts")
    async def create_payout(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await run(request, sim.create_payout)

    @get("/v1/payouts")
    async def list_payouts(request: Request[Any, Any, Any]) -> Response[bytes]:
        reference, limit = request.query_params.get("reference"), _limit(request)
        if reference is None:
            data = list(reversed([p.out for p in sim.payouts.values()]))
        else:
            data = sim.payouts_by_reference(reference)
        return _response(200, _json(PayoutList(data=data[:limit], has_more=len(data) > limit)))

    @get("/v1/payouts/{payout_id:str}")
    async def get_payout(request: Request[Any, Any, Any]) -> Response[bytes]:
        payout_id = _path(request, "payout_id")
        p = sim.payouts.get(payout_id)
        return reply(_missing("payout", payout_id)) if p is None else _response(200, _json(p.out))

    @get("/v1/idempotency/{key:str}")
    async def get_idempotency(request: Request[Any, Any, Any]) -> Response[bytes]:
        key = _path(request, "key")
        record = sim.idempotency_record(key)
        if record is None:
            return reply(_missing("idempotency key", key))
        return _response(200, _json(record))

    @post("/v1/idempotency/{key:str}/seal")
    async def seal_idempotency(request: Request[Any, Any, Any]) -> Response[bytes]:
        key = _path(request, "key")
        record = sim.idempotency_record(key, seal=True)
        assert record is not None
        return _response(200, _json(record))

    @get("/3ds/{charge_id:str}")
    async def challenge_page(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        ch = sim.charges.get(charge_id)
        if ch is None:
            return _page("Not found", "<h1>Unknown payment</h1>", 404)
        out = ch.out
        if out.status != "requires_action" or (out.three_ds and out.three_ds.result):
            return _page("3-D Secure", f"<h1>Already completed</h1><p>{html.escape(out.status)}</p>")
        action = html.escape(charge_id)  # relative: the page posts to its own URL, under any mount prefix
        amount = f"{out.amount} {html.escape(out.currency)} (minor units)"
        last4 = out.payment_method.card.last4 if out.payment_method else "????"
        return _page(
            "3-D Secure challenge",
            "<h1>Simulated 3-D Secure</h1>"
            f"<p>Authenticate a payment of {amount} with the card ending {html.escape(last4)}.</p>"
            f"<form method='post' action='{action}'><input type='hidden' name='result' value='success'>"
            "<button type='submit' id='complete'>Complete</button></form>"
            f"<form method='post' action='{action}'><input type='hidden' name='result' value='failure'>"
            "<button type='submit' id='fail'>Fail</button></form>",
        )

    @post("/3ds/{charge_id:str}", status_code=303)
    async def challenge_submit(request: Request[Any, Any, Any]) -> Response[bytes]:
        charge_id = _path(request, "charge_id")
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        ch = sim.charges.get(charge_id)
        if ch is None or ch.out.three_ds is None or not ch.out.three_ds.return_url:
            return _page("Not found", "<h1>Unknown payment</h1>", 404)
        params = sim.complete_challenge(charge_id, form.get("result") == "success")
        assert params is not None
        location = _with_query(ch.out.three_ds.return_url, params)
        return Response(
            content=b"", status_code=303, headers={"Location": location}, media_type=MediaType.TEXT
        )

    def desk(r: Any) -> _Reply:
        return _Reply(r.status, r.body, save=r.status < 400 or r.status == 409)

    @get("/v1/disputes/{dispute_id:str}")
    async def get_dispute(request: Request[Any, Any, Any]) -> Response[bytes]:
        return reply(desk(sim.dispute_desk.get(_path(request, "dispute_id"))))

    @post("/v1/disputes/{dispute_id:str}/evidence")
    async def dispute_evidence(request: Request[Any, Any, Any]) -> Response[bytes]:
        dispute_id = _path(request, "dispute_id")
        return await run(request, lambda body: desk(sim.dispute_desk.evidence(dispute_id, body)))

    @post("/v1/disputes/{dispute_id:str}/accept")
    async def dispute_accept(request: Request[Any, Any, Any]) -> Response[bytes]:
        dispute_id = _path(request, "dispute_id")
        return await run(request, lambda body: desk(sim.dispute_desk.accept(dispute_id)))

    @post(["/_sim/disputes", "/simulator/disputes"])
    async def open_dispute(request: Request[Any, Any, Any]) -> Response[bytes]:
        return reply(desk(sim.dispute_desk.open_request(await request.body())))

    @post(["/_sim/disputes/{dispute_id:str}/close", "/simulator/disputes/{dispute_id:str}/close"])
    async def close_dispute(request: Request[Any, Any, Any]) -> Response[bytes]:
        dispute_id = _path(request, "dispute_id")
        return reply(desk(sim.dispute_desk.close_request(dispute_id, await request.body())))

    @get("/_sim/stats")
    async def stats() -> Response[bytes]:
        return _response(200, _json(sim.stats()))

    @get("/_sim/events")
    async def events(request: Request[Any, Any, Any]) -> Response[bytes]:
        after = request.query_params.get("after")
        limit_raw = request.query_params.get("limit")
        limit = int(limit_raw) if limit_raw and limit_raw.isdigit() and int(limit_raw) > 0 else None
        sim.settle()  # news due by now (a payout paid, then returned) is listed
        page, more = sim.events_page(after, type_prefix=request.query_params.get("type"), limit=limit)
        return _response(200, _json(SignedEventList(data=page, has_more=more)))

    @post("/_sim/advance")
    async def advance(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            req = msgspec.json.decode((await request.body()) or b"{}", type=AdvanceIn)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return reply(_invalid(exc))
        await sim.advance(req.seconds)
        return _response(200, _json(sim.stats()))

    ticker: list[asyncio.Task[None]] = []

    async def tick() -> None:
        while True:
            await asyncio.sleep(0.25)
            sim.settle()

    async def on_startup() -> None:
        ticker.append(asyncio.get_running_loop().create_task(tick()))

    async def on_shutdown() -> None:
        for task in ticker:
            task.cancel()
        await asyncio.gather(*ticker, return_exceptions=True)
        ticker.clear()
        await sim.close()

    app = Litestar(
        route_handlers=[
            create_charge,
            list_charges,
            get_charge,
            capture_charge,
            void_charge,
            refund_charge,
            authenticate_charge,
            get_refund,
            create_token,
            create_payout,
            list_payouts,
            get_payout,
            get_idempotency,
            seal_idempotency,
            get_dispute,
            dispute_evidence,
            dispute_accept,
            open_dispute,
            close_dispute,
            challenge_page,
            challenge_submit,
            stats,
            events,
            advance,
            *book_routes(sim),
        ],
        before_request=before_request,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        openapi_config=None,
        logging_config=None,  # never reconfigure the host's root logging (it carries the redaction filter)
    )
    app.state["simulator"] = sim
    return app


def client_for(app: Litestar, base_url: str = "http://sim", **options: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that reaches ``app`` in-process (no socket); close it when done."""
    transport = httpx.ASGITransport(app=cast("Any", app))
    return httpx.AsyncClient(transport=transport, base_url=base_url, **options)


def serve(host: str = "127.0.0.1", port: int = 8787, *, log_level: str = "info", **options: Any) -> None:
    """Run a simulator under uvicorn until interrupted; ``options`` go to :func:`create_app`."""
    import sys

    import uvicorn

    app = create_app(**options)
    if not options.get("webhook_secret"):
        print(f"simulator webhook secret: {sim_state(app).webhook_secret}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def main(argv: list[str] | None = None) -> None:
    """``python -m adapters.simulator.app --port 8787``"""
    import argparse

    parser = argparse.ArgumentParser(description="payhub's simulated PSP")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--webhook-secret", default=None)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--payout-delay", type=float, default=1.0)
    parser.add_argument("--hang-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    serve(
        args.host,
        args.port,
        api_key=args.api_key,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        payout_delay=args.payout_delay,
        hang_seconds=args.hang_seconds,
    )


if __name__ == "__main__":
    main()
