"""A whole hub (SQLite, simulator) running on its own event loop in a background thread, and an
ASGI app that forwards every request to it, for synchronous drivers (schemathesis) that call an
ASGI app from an event loop of their own (tests/api/test_schemathesis.py).

The hub's database engine, HTTP clients and background tasks belong to the loop they were made
on; the bridge runs each request there and carries ``receive``/``send`` back to the caller's loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from tests.conftest import HubHarness, start_harness

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class LoopBridge:
    """An ASGI app: the hub's app, run on the hub's loop. Lifespan is answered here (the hub is
    started and stopped by :class:`LiveHub`, once, not per client)."""

    def __init__(self) -> None:
        self.app: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if self.app is None or self.loop is None:
            raise RuntimeError("the live hub is not started (use the live_hub fixture)")
        caller = asyncio.get_running_loop()

        async def hub_receive() -> Message:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_call(receive), caller))

        async def hub_send(message: Message) -> None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_send(send, message), caller))

        future = asyncio.run_coroutine_threadsafe(self.app(scope, hub_receive, hub_send), self.loop)
        await asyncio.wrap_future(future)


async def _call(receive: Receive) -> Message:
    return await receive()


async def _send(send: Send, message: Message) -> None:
    await send(message)


class LiveHub:
    """Start with :meth:`start`, stop with :meth:`stop`; ``bridge`` serves its app meanwhile."""

    def __init__(self, bridge: LoopBridge) -> None:
        self.bridge = bridge
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-hub", daemon=True)
        self.harness: HubHarness | None = None

    def run(self, coro: Awaitable[Any], timeout: float = 120.0) -> Any:
        async def wrapped() -> Any:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)

    def start(self, tmp_path: Path) -> HubHarness:
        self.thread.start()
        harness: HubHarness = self.run(start_harness(f"sqlite+aiosqlite:///{tmp_path / 'payhub.db'}", tmp_path))
        self.harness = harness
        self.bridge.app = harness.client._transport.app  # type: ignore[attr-defined]
        self.bridge.loop = self.loop
        return harness

    def stop(self) -> None:
        try:
            if self.harness is not None:
                self.run(self.harness.client.aclose())
                self.run(self.harness.hub.stop())
        finally:
            self.bridge.app = None
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=30)
            self.loop.close()
