"""Blob storage for uploaded files (work-order attachments and their thumbnails), behind a small interface.

The interface is three calls by an **opaque key**: ``put(data) -> key``, ``get(key) -> bytes``, ``delete(key)``.
Keys are made here from a random token (never from a file name or anything else a user sent), so no request can
name a path on disk; ``get``/``delete`` refuse anything that is not a key this module could have made. The
database keeps the key and everything else about the file (name, sniffed type, size); the store keeps bytes only.

``LocalDiskStorage`` writes under ``WOMS_ATTACHMENTS_DIR`` (two-character fan-out folders, written to a temporary
file and renamed, so a reader never sees half a file). Another backend (S3, a database) implements the same
``BlobStorage`` protocol; ``get_storage()`` is the one place that picks it.
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from woms_app.core.config import get_settings

_KEY = re.compile(r"[0-9a-f]{32}")


class BlobNotFound(LookupError):
    """No blob under this key (deleted, or never stored)."""


class BlobStorage(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data``; return the new opaque key."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key`` (``BlobNotFound`` if there are none)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob (nothing happens if it is already gone)."""
        ...


def new_key() -> str:
    """A fresh opaque key: 128 random bits, hex."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    """``key`` if it has the shape of a key this module makes; ``BlobNotFound`` otherwise."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise BlobNotFound("not a storage key")
    return key


class LocalDiskStorage:
    """Blobs as files under ``root``: ``root/ab/abcdef…`` (the key's first two characters as a folder)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = check_key(key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = new_key()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """Every key stored (tests and maintenance: what is on disk)."""
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if _KEY.fullmatch(p.name))


def get_storage() -> LocalDiskStorage:
    """The configured store (today: local disk under WOMS_ATTACHMENTS_DIR)."""
    return LocalDiskStorage(get_settings().attachments_path)
