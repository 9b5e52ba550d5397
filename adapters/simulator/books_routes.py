"""HTTP routes of the simulator's books (``books.py``): the Stripe-like read and the ``_sim`` helpers.

* ``GET /v1/balance_transactions?created[gte]=&created[lt]=&limit=&starting_after=`` - newest
  first; an unknown parameter, a non-integer bound or a ``limit`` outside 1..100 is a 400
  ``parameter_invalid`` / ``parameter_unknown``; an unknown ``starting_after`` a 404.
* ``POST /_sim/balance_transactions`` (``TxnIn``) - inject a line the hub never saw.
* ``POST /_sim/balance_transactions/{id}`` (``{"amount"}``) - change a line's amount.
* ``DELETE /_sim/balance_transactions/{id}`` - drop a line.
* ``POST /_sim/balance/payouts`` (``BalancePayoutIn``) - pay the balance out to the merchant's bank.
* ``POST /_sim/balance_transactions/corrupt`` (``{"on": true}``) - answer garbage from the read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.enums import MediaType

from adapters.simulator.books import BalancePayoutIn, BalanceTransactionList, TxnAmountIn, TxnIn

if TYPE_CHECKING:
    from adapters.simulator.app import SimulatorState

_PARAMS = frozenset({"created[gte]", "created[lt]", "limit", "starting_after"})


def _json(status: int, value: Any) -> Response[bytes]:
    return Response(content=msgspec.json.encode(value), status_code=status, media_type=MediaType.JSON)


def _err(status: int, code: str, message: str, param: str | None = None) -> Response[bytes]:
    error: dict[str, Any] = {"type": "invalid_request_error", "code": code, "message": message}
    if param:
        error["param"] = param
    return _json(status, {"error": error})


class _CorruptIn(msgspec.Struct, forbid_unknown_fields=True):
    on: bool = True


def book_routes(sim: SimulatorState) -> list[Any]:
    books = sim.books

    @get("/v1/balance_transactions")
    async def list_balance_transactions(request: Request[Any, Any, Any]) -> Response[bytes]:
        q = request.query_params
        for name in q:
            if name not in _PARAMS:
                return _err(400, "parameter_unknown", f"Received unknown parameter: {name}", name)
        bounds: dict[str, int | None] = {}
        for name in ("created[gte]", "created[lt]", "limit"):
            raw = q.get(name)
            try:
                bounds[name] = None if raw is None else int(raw)
            except ValueError:
                return _err(400, "parameter_invalid", f"Invalid integer: {raw}", name)
        limit = bounds["limit"] if bounds["limit"] is not None else 10
        if not 1 <= limit <= 100:
            return _err(400, "parameter_invalid", "limit must be between 1 and 100", "limit")
        if books.corrupt:
            return Response(
                content=b'{"object": "list", "data": [{', status_code=200, media_type=MediaType.JSON
            )
        page = books.page(
            gte=bounds["created[gte]"],
            lt=bounds["created[lt]"],
            limit=limit,
            starting_after=q.get("starting_after"),
        )
        if page is None:
            return _err(
                404,
                "resource_missing",
                f"No such balance transaction: {q.get('starting_after')}",
                "starting_after",
            )
        data, more = page
        return _json(200, BalanceTransactionList(data=data, has_more=more))

    def _decode(body: bytes, type_: Any) -> Any:
        try:
            return msgspec.json.decode(body or b"{}", type=type_)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return _err(400, "parameter_invalid", str(exc))

    @post("/_sim/balance_transactions", status_code=200)
    async def inject_txn(request: Request[Any, Any, Any]) -> Response[bytes]:
        req = _decode(await request.body(), TxnIn)
        return req if isinstance(req, Response) else _json(200, books.inject(req))

    @post("/_sim/balance_transactions/corrupt", status_code=200)
    async def corrupt_books(request: Request[Any, Any, Any]) -> Response[bytes]:
        req = _decode(await request.body(), _CorruptIn)
        if isinstance(req, Response):
            return req
        books.corrupt = req.on
        return _json(200, {"corrupt": books.corrupt})

    @post("/_sim/balance_transactions/{txn_id:str}", status_code=200)
    async def change_txn(request: Request[Any, Any, Any], txn_id: str) -> Response[bytes]:
        req = _decode(await request.body(), TxnAmountIn)
        if isinstance(req, Response):
            return req
        txn = books.set_amount(txn_id, req.amount)
        return (
            _err(404, "resource_missing", f"No such balance transaction: {txn_id}")
            if txn is None
            else _json(200, txn)
        )

    @delete("/_sim/balance_transactions/{txn_id:str}", status_code=200)
    async def drop_txn(txn_id: str) -> Response[bytes]:
        if not books.drop(txn_id):
            return _err(404, "resource_missing", f"No such balance transaction: {txn_id}")
        return _json(200, {"id": txn_id, "deleted": True})

    @post("/_sim/balance/payouts", status_code=200)
    async def pay_out_balance(request: Request[Any, Any, Any]) -> Response[bytes]:
        req = _decode(await request.body(), BalancePayoutIn)
        if isinstance(req, Response):
            return req
        return _json(200, books.pay_out_balance(req.currency, req.amount, req.description))

    return [list_balance_transactions, inject_txn, corrupt_books, change_txn, drop_txn, pay_out_balance]
