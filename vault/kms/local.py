"""Development KMS: KEK versions in a JSON key file on local disk.

The file (mode 0600) looks like::

    {"format": "payhub-local-kms/1", "key_id": "local-3f9c...", "current": 2,
     "versions": [{"version": 1, "key": "<base64 of 32 random bytes>",
                   "created_at": "...", "retired_at": null}, ...]}

Anyone who can read this file can decrypt every secret, so it is for development
and single-box evaluation only; a WARNING says so whenever one is opened. The file
is refused when group or others can read or write it, unless
``allow_insecure_permissions=True``.

Rotation and retirement take an exclusive ``flock`` on ``<file>.lock``, re-read
the file, change it, and replace it atomically (temp file + ``os.replace``), so
several processes can share one file. Another process learns of a new version
when it meets a ciphertext naming it (the file is re-read once) or when
:meth:`LocalKms.reload` is called.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import msgspec

from vault.errors import KeyFileError, UnknownKeyError
from vault.kms.memory import KeyVersion, MemoryKms, new_version

try:  # pragma: no cover - always present on POSIX
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

FILE_FORMAT = "payhub-local-kms/1"
DEV_ONLY = "the local key file is for development only; use a real KMS (e.g. AWS KMS) in production"


class _FileVersion(msgspec.Struct):
    version: int
    key: str
    created_at: str
    retired_at: str | None = None


class _KeyFile(msgspec.Struct):
    format: str
    key_id: str
    current: int
    versions: list[_FileVersion]


class LocalKms(MemoryKms):
    """KEK versions persisted in a 0600 JSON file. Created on first use when ``create``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        key_id: str | None = None,
        allow_insecure_permissions: bool = False,
    ) -> None:
        self._path = Path(path)
        self._allow_insecure = allow_insecure_permissions
        if not self._path.exists():
            if not create:
                raise KeyFileError(f"local key file {self._path} does not exist")
            self._create(key_id or f"local-{secrets.token_hex(8)}")
        loaded_id, versions, current = self._read()
        super().__init__(loaded_id, versions, current)
        log.warning("using local KEK file %s: %s", self._path, DEV_ONLY)

    @property
    def path(self) -> Path:
        return self._path

    # -- file handling -------------------------------------------------------

    def _create(self, key_id: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        data = self._encode(key_id, {1: new_version()}, 1)
        tmp = self._write_temp(data)
        try:
            os.link(tmp, self._path)  # atomic create-if-absent: never a half-written file
        except FileExistsError:
            return  # another process created it first; use theirs
        finally:
            tmp.unlink(missing_ok=True)
        log.warning("created local KEK file %s with mode 0600: %s", self._path, DEV_ONLY)

    def _read(self) -> tuple[str, dict[int, KeyVersion], int]:
        try:
            fd = os.open(self._path, os.O_RDONLY)
        except OSError as exc:
            raise KeyFileError(f"cannot open local key file {self._path}: {exc}") from exc
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise KeyFileError(f"local key file {self._path} is not a regular file")
            if os.name == "posix" and st.st_mode & 0o077:
                msg = (
                    f"local key file {self._path} is accessible by group/others "
                    f"(mode {stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {self._path}"
                )
                if not self._allow_insecure:
                    raise KeyFileError(msg)
                log.warning("%s (allowed by allow_insecure_permissions)", msg)
            raw = fh.read()
        try:
            doc = msgspec.json.decode(raw, type=_KeyFile)
        except msgspec.DecodeError as exc:
            raise KeyFileError(f"local key file {self._path} is not a valid key file: {exc}") from exc
        if doc.format != FILE_FORMAT:
            raise KeyFileError(f"local key file {self._path} has unknown format {doc.format!r}")
        versions: dict[int, KeyVersion] = {}
        for entry in doc.versions:
            try:
                key = base64.b64decode(entry.key, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyFileError(f"local key file: version {entry.version} key is not base64") from exc
            if len(key) != 32 or entry.version < 1 or entry.version in versions:
                raise KeyFileError(f"local key file: version {entry.version} is invalid or duplicated")
            versions[entry.version] = KeyVersion(key, entry.created_at, entry.retired_at)
        if doc.current not in versions or versions[doc.current].retired_at is not None:
            raise KeyFileError(f"local key file: current version {doc.current} is missing or retired")
        return doc.key_id, versions, doc.current

    @staticmethod
    def _encode(key_id: str, versions: dict[int, KeyVersion], current: int) -> bytes:
        doc = _KeyFile(
            format=FILE_FORMAT,
            key_id=key_id,
            current=current,
            versions=[
                _FileVersion(n, base64.b64encode(v.key).decode(), v.created_at, v.retired_at)
                for n, v in sorted(versions.items())
            ],
        )
        return msgspec.json.format(msgspec.json.encode(doc), indent=2) + b"\n"

    def _write_temp(self, data: bytes) -> Path:
        tmp = self._path.with_name(f".{self._path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return tmp

    def _write(self, versions: dict[int, KeyVersion], current: int) -> None:
        tmp = self._write_temp(self._encode(self.key_id, versions, current))
        try:
            os.replace(tmp, self._path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        with contextlib.suppress(OSError):  # make the rename durable
            dir_fd = os.open(self._path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover - non-POSIX
            yield
            return
        lock_path = self._path.with_name(self._path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- KmsBackend ----------------------------------------------------------

    def reload(self) -> None:
        """Re-read the key file (picks up versions rotated/retired by another process)."""
        key_id, versions, current = self._read()
        if key_id != self.key_id:
            raise KeyFileError(f"local key file {self._path} now holds another KEK ({key_id!r})")
        self._set_state(versions, current)

    def check_version(self, version: int) -> None:
        if version not in self._versions:
            self.reload()  # maybe another process rotated
        super().check_version(version)

    async def rotate(self) -> int:
        return await asyncio.to_thread(self._rotate_sync)

    def _rotate_sync(self) -> int:
        with self._locked():
            _, versions, _ = self._read()
            number = max(versions) + 1
            versions[number] = new_version()
            self._write(versions, number)
            self._set_state(versions, number)
        log.info("local KEK %s rotated to version %d", self.key_id, number)
        return number

    def retire(self, version: int) -> None:
        with self._locked():
            _, versions, current = self._read()
            self._current = current
            if version not in versions:
                raise UnknownKeyError(f"KEK {self.key_id!r} has no version {version}")
            self._retire_in(versions, version)
            self._write(versions, current)
            self._set_state(versions, current)
        log.info("local KEK %s version %d retired", self.key_id, version)
