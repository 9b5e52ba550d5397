"""``payhub serve --workers N``: N API processes on one port, for machines that have the cores.

The parent waits for the services, migrates and creates the bootstrap key once (so the
workers never race on either), prints the banner, then starts N worker processes (a clean
interpreter each: ``spawn``). Every worker binds the same address with ``SO_REUSEPORT`` and
the kernel spreads new connections across them; each is a whole ``payhub serve`` (its own
database pool, of its share of ``database_pool_size``; its own in-process jobs when there is
no Redis) — API processes are stateless (DESIGN §2), so N of them on one host are what N
hosts behind a balancer are.

SIGTERM / Ctrl-C on the parent goes to every worker, each shutting down gracefully
(``shutdown_grace``); the parent exits 0 when all have. A worker that dies on its own is
not replaced: the parent stops the others and exits 1, so the orchestrator restarts the
whole set (a half-sized set silently serving is worse than a visible restart).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

import msgspec

from hub.config import Settings
from hub.lifecycle.services import services_of
from hub.lifecycle.wait import wait_for_services

log = logging.getLogger("payhub.lifecycle")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that other processes may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def prepare(settings: Settings, host: str, port: int) -> None:
    """What must happen once for the set: services up, schema current, bootstrap key, banner."""
    from hub.lifecycle.serve import _banner
    from hub.runtime import Hub

    await wait_for_services(services_of(settings), settings.startup_timeout)
    hub = Hub(settings)
    await hub.start()  # migrates; creates the vault's keys on a first start
    try:
        key = await hub.bootstrap_keys()
        _banner(settings, host, port, key, hub.providers.ids())
    finally:
        await hub.stop()


def _orphan_watch(parent: int) -> None:
    """A worker whose parent died (SIGKILL, OOM) stops gracefully instead of serving on alone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    log.warning("payhub serve: the parent process is gone; this worker stops")
    os.kill(os.getpid(), signal.SIGTERM)


def _worker_main(settings: Settings, host: str, port: int, index: int, parent: int) -> None:
    import asyncio
    import threading

    from hub.cli import _fast_event_loop
    from hub.lifecycle.serve import serve
    from hub.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    threading.Thread(target=_orphan_watch, args=(parent,), name="orphan-watch", daemon=True).start()
    _fast_event_loop()
    code = asyncio.run(serve(settings, host, port, worker=index))
    raise SystemExit(code)


def worker_settings(settings: Settings, workers: int) -> Settings:
    """Each of ``workers`` processes keeps its share of ``database_pool_size`` (rounded up), so
    ``serve --workers N`` holds about as many PostgreSQL connections as one ``serve`` does."""
    share = max(1, -(-settings.database_pool_size // workers))
    return msgspec.structs.replace(settings, database_pool_size=share)


def serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    import asyncio

    if not hasattr(socket, "SO_REUSEPORT"):
        print("payhub serve: --workers needs SO_REUSEPORT (Linux, macOS, BSD)")
        return 2
    asyncio.run(prepare(settings, host, port))
    context = multiprocessing.get_context("spawn")
    procs: list[BaseProcess] = []
    share = worker_settings(settings, workers)
    stopping: list[int] = []

    def forward(sig: int, frame: FrameType | None) -> None:
        stopping.append(sig)
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)

    old = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(workers):
            started = context.Process(target=_worker_main, args=(share, host, port, index, os.getpid()),
                                      name=f"payhub-serve-{index}")  # fmt: skip
            started.start()
            procs.append(started)
        log.info("payhub serve: %d worker processes on %s:%d", workers, host, port)
        failed = 0
        while any(p.is_alive() for p in procs):
            for dead in procs:
                if not dead.is_alive() and dead.exitcode not in (0, None) and not stopping:
                    log.error("payhub serve: worker %s exited with %s; stopping the others",
                              dead.name, dead.exitcode)  # fmt: skip
                    failed = 1
                    forward(signal.SIGTERM, None)
            time.sleep(0.2)
        for done in procs:
            done.join()
        # asked to stop: a worker still starting may die of the SIGTERM itself, which is a stop
        clean = (0, -signal.SIGTERM) if stopping else (0,)
        return 1 if failed or any(p.exitcode not in clean for p in procs) else 0
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
