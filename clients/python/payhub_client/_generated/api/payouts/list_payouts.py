import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_payouts_status_type_1 import ListPayoutsStatusType1
from ...models.list_payouts_status_type_2_type_1 import ListPayoutsStatusType2Type1
from ...models.list_payouts_status_type_3_type_1 import ListPayoutsStatusType3Type1
from ...models.payout_list import PayoutList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListPayoutsStatusType1
    | ListPayoutsStatusType2Type1
    | ListPayoutsStatusType3Type1
    | None
    | Unset = UNSET,
    account: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    createdgte: datetime.datetime | None | Unset = UNSET,
    createdlt: datetime.datetime | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListPayoutsStatusType1):
        json_status = status.value
    elif isinstance(status, ListPayoutsStatusType2Type1):
        json_status = status.value
    elif isinstance(status, ListPayoutsStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_account: None | str | Unset
    if isinstance(account, Unset):
        json_account = UNSET
    else:
        json_account = account
    params["account"] = json_account

    json_reference: None | str | Unset
    if isinstance(reference, Unset):
        json_reference = UNSET
    else:
        json_reference = reference
    params["reference"] = json_reference

    json_createdgte: None | str | Unset
    if isinstance(createdgte, Unset):
        json_createdgte = UNSET
    elif isinstance(createdgte, datetime.datetime):
        json_createdgte = createdgte.isoformat()
    else:
        json_createdgte = createdgte
    params["created[gte]"] = json_createdgte

    json_createdlt: None | str | Unset
    if isinstance(createdlt, Unset):
        json_createdlt = UNSET
    elif isinstance(createdlt, datetime.datetime):
        json_createdlt = createdlt.isoformat()
    else:
        json_createdlt = createdlt
    params["created[lt]"] = json_createdlt

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/payouts",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PayoutList | Problem | None:
    if response.status_code == 200:
        response_200 = PayoutList.from_dict(response.json())

        return response_200

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
) -> Response[PayoutList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListPayoutsStatusType1
    | ListPayoutsStatusType2Type1
    | ListPayoutsStatusType3Type1
    | None
    | Unset = UNSET,
    account: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    createdgte: datetime.datetime | None | Unset = UNSET,
    createdlt: datetime.datetime | None | Unset = UNSET,
) -> Response[PayoutList | Problem]:
    """List payouts

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListPayoutsStatusType1 | ListPayoutsStatusType2Type1 | ListPayoutsStatusType3Type1
            | None | Unset):
        account (None | str | Unset):
        reference (None | str | Unset):
        createdgte (datetime.datetime | None | Unset):
        createdlt (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PayoutList | Problem]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        status=status,
        account=account,
        reference=reference,
        createdgte=createdgte,
        createdlt=createdlt,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListPayoutsStatusType1
    | ListPayoutsStatusType2Type1
    | ListPayoutsStatusType3Type1
    | None
    | Unset = UNSET,
    account: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    createdgte: datetime.datetime | None | Unset = UNSET,
    createdlt: datetime.datetime | None | Unset = UNSET,
) -> PayoutList | Problem | None:
    """List payouts

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListPayoutsStatusType1 | ListPayoutsStatusType2Type1 | ListPayoutsStatusType3Type1
            | None | Unset):
        account (None | str | Unset):
        reference (None | str | Unset):
        createdgte (datetime.datetime | None | Unset):
        createdlt (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PayoutList | Problem
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
        limit=limit,
        status=status,
        account=account,
        reference=reference,
        createdgte=createdgte,
        createdlt=createdlt,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListPayoutsStatusType1
    | ListPayoutsStatusType2Type1
    | ListPayoutsStatusType3Type1
    | None
    | Unset = UNSET,
    account: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    createdgte: datetime.datetime | None | Unset = UNSET,
    createdlt: datetime.datetime | None | Unset = UNSET,
) -> Response[PayoutList | Problem]:
    """List payouts

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListPayoutsStatusType1 | ListPayoutsStatusType2Type1 | ListPayoutsStatusType3Type1
            | None | Unset):
        account (None | str | Unset):
        reference (None | str | Unset):
        createdgte (datetime.datetime | None | Unset):
        createdlt (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PayoutList | Problem]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        status=status,
        account=account,
        reference=reference,
        createdgte=createdgte,
        createdlt=createdlt,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListPayoutsStatusType1
    | ListPayoutsStatusType2Type1
    | ListPayoutsStatusType3Type1
    | None
    | Unset = UNSET,
    account: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    createdgte: datetime.datetime | None | Unset = UNSET,
    createdlt: datetime.datetime | None | Unset = UNSET,
) -> PayoutList | Problem | None:
    """List payouts

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListPayoutsStatusType1 | ListPayoutsStatusType2Type1 | ListPayoutsStatusType3Type1
            | None | Unset):
        account (None | str | Unset):
        reference (None | str | Unset):
        createdgte (datetime.datetime | None | Unset):
        createdlt (datetime.datetime | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PayoutList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
            limit=limit,
            status=status,
            account=account,
            reference=reference,
            createdgte=createdgte,
            createdlt=createdlt,
        )
    ).parsed
