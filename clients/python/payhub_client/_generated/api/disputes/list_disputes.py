from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dispute_list import DisputeList
from ...models.list_disputes_status_type_1 import ListDisputesStatusType1
from ...models.list_disputes_status_type_2_type_1 import ListDisputesStatusType2Type1
from ...models.list_disputes_status_type_3_type_1 import ListDisputesStatusType3Type1
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListDisputesStatusType1
    | ListDisputesStatusType2Type1
    | ListDisputesStatusType3Type1
    | None
    | Unset = UNSET,
    payment: None | str | Unset = UNSET,
    account: None | str | Unset = UNSET,
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
    elif isinstance(status, ListDisputesStatusType1):
        json_status = status.value
    elif isinstance(status, ListDisputesStatusType2Type1):
        json_status = status.value
    elif isinstance(status, ListDisputesStatusType3Type1):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_payment: None | str | Unset
    if isinstance(payment, Unset):
        json_payment = UNSET
    else:
        json_payment = payment
    params["payment"] = json_payment

    json_account: None | str | Unset
    if isinstance(account, Unset):
        json_account = UNSET
    else:
        json_account = account
    params["account"] = json_account

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/disputes",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DisputeList | Problem | None:
    if response.status_code == 200:
        response_200 = DisputeList.from_dict(response.json())

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
) -> Response[DisputeList | Problem]:
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
    status: ListDisputesStatusType1
    | ListDisputesStatusType2Type1
    | ListDisputesStatusType3Type1
    | None
    | Unset = UNSET,
    payment: None | str | Unset = UNSET,
    account: None | str | Unset = UNSET,
) -> Response[DisputeList | Problem]:
    """List disputes

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListDisputesStatusType1 | ListDisputesStatusType2Type1 |
            ListDisputesStatusType3Type1 | None | Unset):
        payment (None | str | Unset):
        account (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DisputeList | Problem]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        status=status,
        payment=payment,
        account=account,
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
    status: ListDisputesStatusType1
    | ListDisputesStatusType2Type1
    | ListDisputesStatusType3Type1
    | None
    | Unset = UNSET,
    payment: None | str | Unset = UNSET,
    account: None | str | Unset = UNSET,
) -> DisputeList | Problem | None:
    """List disputes

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListDisputesStatusType1 | ListDisputesStatusType2Type1 |
            ListDisputesStatusType3Type1 | None | Unset):
        payment (None | str | Unset):
        account (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DisputeList | Problem
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
        limit=limit,
        status=status,
        payment=payment,
        account=account,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListDisputesStatusType1
    | ListDisputesStatusType2Type1
    | ListDisputesStatusType3Type1
    | None
    | Unset = UNSET,
    payment: None | str | Unset = UNSET,
    account: None | str | Unset = UNSET,
) -> Response[DisputeList | Problem]:
    """List disputes

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListDisputesStatusType1 | ListDisputesStatusType2Type1 |
            ListDisputesStatusType3Type1 | None | Unset):
        payment (None | str | Unset):
        account (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DisputeList | Problem]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        status=status,
        payment=payment,
        account=account,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    status: ListDisputesStatusType1
    | ListDisputesStatusType2Type1
    | ListDisputesStatusType3Type1
    | None
    | Unset = UNSET,
    payment: None | str | Unset = UNSET,
    account: None | str | Unset = UNSET,
) -> DisputeList | Problem | None:
    """List disputes

     Needs an API key with the `read` permission.

    Args:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 20.
        status (ListDisputesStatusType1 | ListDisputesStatusType2Type1 |
            ListDisputesStatusType3Type1 | None | Unset):
        payment (None | str | Unset):
        account (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DisputeList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
            limit=limit,
            status=status,
            payment=payment,
            account=account,
        )
    ).parsed
