"""Embedded mode: the in-process simulator's 3DS challenge pages, served by the hub at /3ds/...

The shopper's browser cannot reach an in-process app, so the hub forwards these
page requests to it. Only useful when an account runs the simulator in-process.
"""

from __future__ import annotations

from typing import Any

from litestar import asgi
from litestar.types import Receive, Scope, Send

from hub.api.auth import public

_NOT_FOUND_START: Any = {"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]}
_NOT_FOUND_BODY: Any = {"type": "http.response.body", "body": b"no in-process simulator"}


@asgi(
    "/3ds",
    is_mount=True,
    include_in_schema=False,
    opt=public("the shopper's browser completes the simulator's 3-D Secure challenge"),
)
async def simulator_pages(scope: Scope, receive: Receive, send: Send) -> None:
    hub = scope["app"].state.hub
    app: Any = next((p.in_process_app for p in hub.providers.all() if p.in_process_app is not None), None)
    if app is None:
        await send(_NOT_FOUND_START)
        await send(_NOT_FOUND_BODY)
        return
    path = scope["path"]
    forwarded = dict(scope, path=path if path.startswith("/3ds") else "/3ds" + path, root_path="")
    await app(forwarded, receive, send)
