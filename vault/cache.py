"""A bounded cache of unwrapped data keys.

Unwrapping a data key is a KMS round trip (a network call for AWS KMS). The cache
keeps recently unwrapped keys in memory, keyed by ``(kek_id, kek_version,
wrapped_dek)`` -- the wrapped bytes are authenticated by the KMS, so a key can
only be found by presenting exactly the wrapped key that unwraps to it.

Every entry is bounded by age (``max_age`` seconds since it was unwrapped), by
uses (``max_uses`` encrypt/decrypt operations) and by bytes (``max_bytes`` of
plaintext processed); whichever limit is hit first drops the entry, and the next
operation goes back to the KMS. ``max_entries`` bounds memory (least recently
used first out).

Reusing one data key for several *encryptions* is off by default: the design
wants a fresh data key per secret. With ``reuse_for_encryption=True`` one data key
per KEK version is shared by new ciphertexts within the same limits (each still
gets its own random nonce; ``max_uses`` is capped at 2**32 for that reason). That
trades key isolation for fewer KMS calls on write-heavy workloads.

The clock is injectable (``clock=``, monotonic seconds). Operations take a
``threading.Lock`` and never await while holding it, so the cache is safe within
one event loop and across threads. Python cannot reliably wipe key bytes from
memory; dropping an entry only drops the reference.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

_Key = tuple[str, int, bytes]


@dataclass
class _Entry:
    dek: bytes
    wrapped: bytes
    created: float
    uses: int = 0
    nbytes: int = 0


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    expired: int = 0
    exhausted: int = 0
    evicted: int = 0


class DataKeyCache:
    """Bounded cache of unwrapped data keys (see the module docstring)."""

    def __init__(
        self,
        *,
        max_age: float = 300.0,
        max_uses: int = 10_000,
        max_bytes: int = 64 * 2**20,
        max_entries: int = 1024,
        reuse_for_encryption: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_age <= 0 or max_uses < 1 or max_bytes < 1 or max_entries < 1:
            raise ValueError("cache limits must be positive")
        if reuse_for_encryption and max_uses > 2**32:
            raise ValueError("with reuse_for_encryption, max_uses must stay <= 2**32 (random GCM nonces)")
        self.max_age = max_age
        self.max_uses = max_uses
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.reuse_for_encryption = reuse_for_encryption
        self._clock = clock
        self._lock = threading.Lock()
        self._decrypt: OrderedDict[_Key, _Entry] = OrderedDict()
        self._encrypt: dict[tuple[str, int], _Entry] = {}
        self.stats = CacheStats()

    def __len__(self) -> int:
        with self._lock:
            return len(self._decrypt) + len(self._encrypt)

    def _usable(self, entry: _Entry, nbytes: int, now: float) -> bool:
        if now - entry.created >= self.max_age:
            self.stats.expired += 1
            return False
        if entry.uses + 1 > self.max_uses or entry.nbytes + nbytes > self.max_bytes:
            self.stats.exhausted += 1
            return False
        return True

    # -- decryption -----------------------------------------------------------

    def get_decrypt_key(self, kek_id: str, version: int, wrapped: bytes, nbytes: int) -> bytes | None:
        """The cached data key for ``wrapped`` if it may serve ``nbytes`` more; counts the use."""
        key = (kek_id, version, wrapped)
        with self._lock:
            entry = self._decrypt.get(key)
            if entry is None:
                self.stats.misses += 1
                return None
            if not self._usable(entry, nbytes, self._clock()):
                del self._decrypt[key]
                self.stats.misses += 1
                return None
            entry.uses += 1
            entry.nbytes += nbytes
            self._decrypt.move_to_end(key)
            self.stats.hits += 1
            return entry.dek

    def put_decrypt_key(self, kek_id: str, version: int, wrapped: bytes, dek: bytes, nbytes: int) -> None:
        """Remember a freshly unwrapped key; that unwrap counts as its first use."""
        if nbytes > self.max_bytes:
            return
        with self._lock:
            self._decrypt[(kek_id, version, wrapped)] = _Entry(dek, wrapped, self._clock(), 1, nbytes)
            self._decrypt.move_to_end((kek_id, version, wrapped))
            while len(self._decrypt) > self.max_entries:
                self._decrypt.popitem(last=False)
                self.stats.evicted += 1

    # -- encryption (opt-in reuse) ---------------------------------------------

    def get_encrypt_key(self, kek_id: str, version: int, nbytes: int) -> tuple[bytes, bytes] | None:
        """``(dek, wrapped)`` to reuse for one more encryption, or None (make a fresh key)."""
        if not self.reuse_for_encryption:
            return None
        with self._lock:
            entry = self._encrypt.get((kek_id, version))
            if entry is None:
                return None
            if not self._usable(entry, nbytes, self._clock()):
                del self._encrypt[(kek_id, version)]
                return None
            entry.uses += 1
            entry.nbytes += nbytes
            return entry.dek, entry.wrapped

    def put_encrypt_key(self, kek_id: str, version: int, wrapped: bytes, dek: bytes, nbytes: int) -> None:
        """Offer a fresh data key (already used once) for reuse by later encryptions."""
        if not self.reuse_for_encryption or nbytes > self.max_bytes:
            return
        with self._lock:
            # only the current version is ever asked for: drop keys of older versions
            for other in [k for k in self._encrypt if k[0] == kek_id and k[1] != version]:
                del self._encrypt[other]
            self._encrypt[(kek_id, version)] = _Entry(dek, wrapped, self._clock(), 1, nbytes)

    # -- invalidation ------------------------------------------------------------

    def evict_version(self, kek_id: str, version: int) -> None:
        """Forget every key wrapped under ``kek_id`` / ``version`` (after retirement)."""
        with self._lock:
            for key in [k for k in self._decrypt if k[0] == kek_id and k[1] == version]:
                del self._decrypt[key]
            self._encrypt.pop((kek_id, version), None)

    def clear(self) -> None:
        with self._lock:
            self._decrypt.clear()
            self._encrypt.clear()
