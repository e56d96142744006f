"""Content-addressed object store: every file is named by the sha256 of its bytes.

Layout: ``objects/ab/abcdef...`` (two-character fan-out keeps directories small). Writing the
same bytes twice is a no-op, so the store deduplicates byte-identical files for free.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from commons.atomic import create_bytes
from commons.hashing import sha256_bytes, sha256_file
from curator.errors import CuratorError

_OID = re.compile(r"[0-9a-f]{64}")


class MissingObjectError(CuratorError):
    """A manifest names an object the store does not hold."""


class ObjectStore:
    """A folder of immutable blobs keyed by sha256."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, oid: str) -> Path:
        # Only a sha256 names an object: an id from a manifest can never point outside the store.
        if not _OID.fullmatch(oid):
            raise CuratorError(f"{oid[:80]!r} is not an object id (64 hex digits)")
        return self.root / oid[:2] / oid

    def relpath(self, oid: str) -> str:
        """Path relative to the workspace root, as recorded in manifests."""
        return f"{self.root.name}/{oid[:2]}/{oid}"

    def __contains__(self, oid: str) -> bool:
        return self.path(oid).is_file()

    def put_bytes(self, data: bytes, oid: str | None = None, durable: bool = True) -> str:
        """Store `data`; return its id. `oid` may be passed when the caller already hashed it.

        Bulk writers pass `durable=False` and call `commons.atomic.sync_all()` once per batch,
        before writing the manifest or journal that refers to the objects.
        """
        oid = oid or sha256_bytes(data)
        target = self.path(oid)
        if not target.exists():
            create_bytes(target, data, durable)
        return oid

    def get_bytes(self, oid: str) -> bytes:
        try:
            return self.path(oid).read_bytes()
        except FileNotFoundError:
            raise MissingObjectError(
                f"{self.relpath(oid)}: object missing from the store {self.root} (item {oid[:12]}); "
                "'curator manifest verify' lists every missing one: restore them or re-import their files") from None

    def verify(self, oid: str) -> str | None:
        """None when the object is present and intact, otherwise 'missing' or 'changed'."""
        p = self.path(oid)
        if not p.is_file():
            return "missing"
        return None if sha256_file(p) == oid else "changed"
