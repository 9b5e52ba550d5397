"""/v1/admin: provider accounts, API keys."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.services.api_keys import Permission
from hub.services.payments import Result


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    adapter: str
    base_url: str | None = None
    credentials: dict[str, str] = msgspec.field(default_factory=dict)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    timeouts: dict[str, float] = msgspec.field(default_factory=dict)


class CredentialsIn(msgspec.Struct, forbid_unknown_fields=True):
    credentials: dict[str, str]


class ApiKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    name: str
    owner: str = "default"


class AdminController(Controller):
    path = "/v1/admin"
    tags = ["admin"]
    opt = {"permission": Permission.ADMIN}

    @post("/accounts", status_code=201)
    async def create_account(self, request: Request[Any, Any, Any], data: AccountIn) -> Response[bytes]:
        hub = request.app.state.hub
        raw = msgspec.to_builtins(data)

        async def run(_: Any) -> Result:
            return Result(201, await hub.accounts.create(raw))

        return await run_idempotent(request, actor_of(request), run=run, claim_first=True)

    @get("/accounts")
    async def list_accounts(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        data = await request.app.state.hub.accounts.list()
        return json_response({"object": "list", "data": data, "has_more": False, "next_cursor": None})

    @get("/accounts/{account_id:str}")
    async def get_account(self, request: Request[Any, Any, Any], account_id: str) -> Response[bytes]:
        return json_response(await request.app.state.hub.accounts.get(account_id))

    @post("/accounts/{account_id:str}/credentials", status_code=200)
    async def rotate_credentials(
        self, request: Request[Any, Any, Any], account_id: str, data: CredentialsIn
    ) -> Response[bytes]:
        hub = request.app.state.hub

        async def run(_: Any) -> Result:
            return Result(200, await hub.accounts.rotate_credentials(account_id, data.credentials))

        return await run_idempotent(request, actor_of(request), run=run, claim_first=True)

    @post("/api-keys", status_code=201)
    async def create_key(self, request: Request[Any, Any, Any], data: ApiKeyIn) -> Response[bytes]:
        """The new key is in this response only. An Idempotency-Key replay answers the key's
        description without it: the secret is never stored, not even in the replay record."""
        hub = request.app.state.hub
        shown: dict[str, str] = {}

        async def run(_: Any) -> Result:
            secret, desc = await hub.api_keys.create(role=data.role, name=data.name, owner=data.owner)
            shown["key"] = secret
            return Result(201, desc)

        response = await run_idempotent(request, actor_of(request), run=run, claim_first=True)
        if "key" not in shown:  # a replay: the key was shown to the first request only
            return response
        return json_response({**msgspec.json.decode(response.content), "key": shown["key"]}, 201)

    @get("/api-keys")
    async def list_keys(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        data = await request.app.state.hub.api_keys.list()
        return json_response({"object": "list", "data": data, "has_more": False, "next_cursor": None})

    @delete("/api-keys/{key_id:str}", status_code=200)
    async def revoke_key(self, request: Request[Any, Any, Any], key_id: str) -> Response[bytes]:
        from hub.domain.errors import NotFound

        desc = await request.app.state.hub.api_keys.revoke(key_id)
        if desc is None:
            raise NotFound(f"no api key {key_id!r}")
        return json_response(desc)
