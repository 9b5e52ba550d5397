from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_reconciliation_items_kind import ListReconciliationItemsKind
from ...models.problem import Problem
from ...models.reconciliation_item_list import ReconciliationItemList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    reconciliation_id: str,
    *,
    kind: ListReconciliationItemsKind | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_kind: str | Unset = UNSET
    if not isinstance(kind, Unset):
        json_kind = kind.value

    params["kind"] = json_kind

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reconciliations/{reconciliation_id}/items".format(
            reconciliation_id=quote(str(reconciliation_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconciliationItemList | None:
    if response.status_code == 200:
        response_200 = ReconciliationItemList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ReconciliationItemList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
    kind: ListReconciliationItemsKind | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[Problem | ReconciliationItemList]:
    """The items of a run (filter kind)

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):
        kind (ListReconciliationItemsKind | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconciliationItemList]
    """

    kwargs = _get_kwargs(
        reconciliation_id=reconciliation_id,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
    kind: ListReconciliationItemsKind | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Problem | ReconciliationItemList | None:
    """The items of a run (filter kind)

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):
        kind (ListReconciliationItemsKind | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconciliationItemList
    """

    return sync_detailed(
        reconciliation_id=reconciliation_id,
        client=client,
        kind=kind,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
    kind: ListReconciliationItemsKind | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[Problem | ReconciliationItemList]:
    """The items of a run (filter kind)

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):
        kind (ListReconciliationItemsKind | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconciliationItemList]
    """

    kwargs = _get_kwargs(
        reconciliation_id=reconciliation_id,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
    kind: ListReconciliationItemsKind | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Problem | ReconciliationItemList | None:
    """The items of a run (filter kind)

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):
        kind (ListReconciliationItemsKind | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconciliationItemList
    """

    return (
        await asyncio_detailed(
            reconciliation_id=reconciliation_id,
            client=client,
            kind=kind,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
