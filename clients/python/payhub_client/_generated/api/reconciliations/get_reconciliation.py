from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.reconciliation import Reconciliation
from ...types import Response


def _get_kwargs(
    reconciliation_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reconciliations/{reconciliation_id}".format(
            reconciliation_id=quote(str(reconciliation_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Reconciliation | None:
    if response.status_code == 200:
        response_200 = Reconciliation.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | Reconciliation]:
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
) -> Response[Problem | Reconciliation]:
    """Read a reconciliation run

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Reconciliation]
    """

    kwargs = _get_kwargs(
        reconciliation_id=reconciliation_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
) -> Problem | Reconciliation | None:
    """Read a reconciliation run

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Reconciliation
    """

    return sync_detailed(
        reconciliation_id=reconciliation_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | Reconciliation]:
    """Read a reconciliation run

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Reconciliation]
    """

    kwargs = _get_kwargs(
        reconciliation_id=reconciliation_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    reconciliation_id: str,
    *,
    client: AuthenticatedClient,
) -> Problem | Reconciliation | None:
    """Read a reconciliation run

     Needs an API key with the `ledger.read` permission.

    Args:
        reconciliation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Reconciliation
    """

    return (
        await asyncio_detailed(
            reconciliation_id=reconciliation_id,
            client=client,
        )
    ).parsed
