import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.ledger_entry_list import LedgerEntryList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    account: str | Unset = UNSET,
    resource: str | Unset = UNSET,
    createdgte: datetime.datetime | Unset = UNSET,
    createdlt: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["account"] = account

    params["resource"] = resource

    json_createdgte: str | Unset = UNSET
    if not isinstance(createdgte, Unset):
        json_createdgte = createdgte.isoformat()
    params["created[gte]"] = json_createdgte

    json_createdlt: str | Unset = UNSET
    if not isinstance(createdlt, Unset):
        json_createdlt = createdlt.isoformat()
    params["created[lt]"] = json_createdlt

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/ledger/entries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> LedgerEntryList | Problem | None:
    if response.status_code == 200:
        response_200 = LedgerEntryList.from_dict(response.json())

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
) -> Response[LedgerEntryList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    account: str | Unset = UNSET,
    resource: str | Unset = UNSET,
    createdgte: datetime.datetime | Unset = UNSET,
    createdlt: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[LedgerEntryList | Problem]:
    """Ledger entries

     Needs an API key with the `ledger.read` permission.

    Args:
        account (str | Unset):
        resource (str | Unset): a pay_ / re_ / po_ / dp_ id
        createdgte (datetime.datetime | Unset):
        createdlt (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LedgerEntryList | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        resource=resource,
        createdgte=createdgte,
        createdlt=createdlt,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    account: str | Unset = UNSET,
    resource: str | Unset = UNSET,
    createdgte: datetime.datetime | Unset = UNSET,
    createdlt: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> LedgerEntryList | Problem | None:
    """Ledger entries

     Needs an API key with the `ledger.read` permission.

    Args:
        account (str | Unset):
        resource (str | Unset): a pay_ / re_ / po_ / dp_ id
        createdgte (datetime.datetime | Unset):
        createdlt (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LedgerEntryList | Problem
    """

    return sync_detailed(
        client=client,
        account=account,
        resource=resource,
        createdgte=createdgte,
        createdlt=createdlt,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    account: str | Unset = UNSET,
    resource: str | Unset = UNSET,
    createdgte: datetime.datetime | Unset = UNSET,
    createdlt: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[LedgerEntryList | Problem]:
    """Ledger entries

     Needs an API key with the `ledger.read` permission.

    Args:
        account (str | Unset):
        resource (str | Unset): a pay_ / re_ / po_ / dp_ id
        createdgte (datetime.datetime | Unset):
        createdlt (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LedgerEntryList | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        resource=resource,
        createdgte=createdgte,
        createdlt=createdlt,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    account: str | Unset = UNSET,
    resource: str | Unset = UNSET,
    createdgte: datetime.datetime | Unset = UNSET,
    createdlt: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> LedgerEntryList | Problem | None:
    """Ledger entries

     Needs an API key with the `ledger.read` permission.

    Args:
        account (str | Unset):
        resource (str | Unset): a pay_ / re_ / po_ / dp_ id
        createdgte (datetime.datetime | Unset):
        createdlt (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LedgerEntryList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            account=account,
            resource=resource,
            createdgte=createdgte,
            createdlt=createdlt,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
