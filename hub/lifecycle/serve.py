"""``payhub serve``: wait for the services, start, and on SIGTERM shut down gracefully.

SIGTERM (or Ctrl-C): the listening socket is closed at once (a new connection is refused),
idle keep-alive connections are closed, requests in flight get up to ``shutdown_grace``
seconds to answer (then they are cancelled: an operation cut off mid-call is ``pending``
past its lease and the sweeper resolves it), then in-process jobs get what is left of the
grace to finish (jobs still waiting for their delay are dropped: their work is in the
database and the sweeper picks it up again), and the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

from hub.config import Settings
from hub.lifecycle.heap import settle_startup_heap
from hub.lifecycle.services import services_of
from hub.lifecycle.wait import wait_for_services
from hub.stream.runner import runs_relay

log = logging.getLogger("payhub.lifecycle")


class _Signals:
    """uvicorn restores the handlers it found and re-raises the signal once it has shut down:
    these handlers (installed before it) make that re-raise a note, so the hub can stop its
    jobs and close its pools afterwards instead of dying on the default handler."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._old: dict[int, object] = {}

    def __enter__(self) -> _Signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._old[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, sig: int, frame: FrameType | None) -> None:
        self.received.append(sig)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def _banner(settings: Settings, host: str, port: int, key: str | None, accounts: list[str]) -> None:
    if key:
        print("\n  payhub first start: an admin API key was created. It is shown ONCE:\n", flush=True)
        print(f"      {key}\n", flush=True)
        print("  Use it as:  curl -H 'Authorization: Bearer <key>' ...\n", flush=True)
    if settings.is_sqlite:
        print(f"  embedded mode: {settings.database_url} , accounts: {', '.join(accounts)}", flush=True)
    print(f"  payhub listening on http://{host}:{port}  (OpenAPI: /schema, docs: /schema/docs)\n", flush=True)


async def serve(settings: Settings, host: str, port: int, *, worker: int | None = None) -> int:
    """One API process; ``worker``: the index of one of ``serve --workers N`` (the parent has
    migrated and printed the banner; this one shares the port with ``SO_REUSEPORT``)."""
    import uvicorn

    from hub.api.app import create_app
    from hub.runtime import Hub

    await wait_for_services(services_of(settings), settings.startup_timeout)
    hub = Hub(settings)
    hub.run_event_relay = runs_relay(settings, worker=False)  # embedded default: the Kafka relay
    await hub.start()
    try:
        key = await hub.bootstrap_keys()
        if worker is None:
            _banner(settings, host, port, key, hub.providers.ids())
        app = create_app(hub, manage_lifecycle=False)
        settle_startup_heap()  # what startup built is never walked by the collector again
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace)),
        )
        server = uvicorn.Server(config)
        with _Signals() as signals:
            if worker is None:
                await server.serve()
            else:
                from hub.lifecycle.workers import reuse_port_socket

                await server.serve(sockets=[reuse_port_socket(host, port)])
        stopping_since = time.monotonic()
        if signals.received:
            log.info("payhub serve: %s received, requests finished; stopping jobs",
                     signal.Signals(signals.received[0]).name)
        drain = getattr(hub.jobs, "drain", None)
        if drain is not None:
            left = max(0.0, settings.shutdown_grace - (time.monotonic() - stopping_since))
            await drain(left)
    finally:
        await hub.stop()
    log.info("payhub serve stopped")
    return 0
