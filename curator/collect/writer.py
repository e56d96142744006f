"""Finished downloads into the object store and a crash-safe journal of collected items.

gallery-dl leaves each finished file in the staging folder with a JSON metadata sidecar. The
writer stores the bytes, appends one item per file to the journal, and deletes the staged pair
only once the journal is synced, so a kill at any moment loses nothing: a leftover pair is picked up by
the next run's sweep, and the journal is folded into the next manifest version.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from curator.collect.gallerydl import HEADERS_KEY, QUERY_KEY
from curator.collect.sources.base import Source
from curator.atomic import sync_all
from curator.imageio import ImageRejected, probe
from curator.store import sha256_bytes
from curator.workspace import Workspace
from manifests import Item, Reason
from manifests.io import now_iso

SIDECAR = ".json"


def read_sidecar(path: Path) -> dict[str, Any]:
    meta = json.loads(path.read_text(encoding="utf-8"))
    headers = meta.pop(HEADERS_KEY, None)
    try:
        parsed = json.loads(headers) if isinstance(headers, str) else {}
    except ValueError:
        parsed = {}
    meta["curator_headers"] = {str(k).lower(): v for k, v in (parsed or {}).items()}
    return meta


class Journal:
    """Append-only JSON lines of items not yet in a manifest; a torn last line is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None

    def append(self, item: Item) -> None:
        line = item.model_dump_json(exclude_defaults=True) + "\n"
        with self._lock:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "a", encoding="utf-8")
            self._fh.write(line)
            self._fh.flush()  # in the OS now: survives a killed process

    def sync(self) -> None:
        """Make appended lines survive a power cut too (one fsync for a whole batch)."""
        with self._lock:
            if self._fh is not None:
                os.fsync(self._fh.fileno())

    def close(self) -> None:
        self.sync()
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def items(self) -> Iterator[Item]:
        if not self.path.is_file():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                yield Item.model_validate_json(line)
            except ValueError:
                continue  # the line a kill cut short; its file is re-swept or re-fetched

    def clear(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class Writer:
    """Ingests staged files on a few threads, so hashing, decoding and fsyncs overlap the downloads.

    Staged pairs are deleted in batches, after the journal lines that replace them are synced;
    a kill before that leaves them to the next sweep, which re-journals them (merging is idempotent).
    """

    def __init__(self, ws: Workspace, journal: Journal, threads: int = 16, batch: int = 64) -> None:
        self.ws = ws
        self.journal = journal
        self.filters = ws.config.collect.filters
        self.max_pixels = ws.config.import_.max_pixels
        self.batch = batch
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="collect-ingest")
        self._staged: list[Path] = []
        self._lock = threading.Lock()

    def submit(self, source: Source, path: Path) -> Future[Item]:
        return self._pool.submit(self.ingest, source, path)

    def ingest(self, source: Source, path: Path) -> Item:
        """Store one staged file with its provenance and journal it; its staged pair goes in the next batch."""
        sidecar = Path(str(path) + SIDECAR)
        meta = read_sidecar(sidecar)
        item = self._item(source, meta, path.read_bytes())
        self.journal.append(item)
        with self._lock:
            self._staged += [path, sidecar]
            full = len(self._staged) >= 2 * self.batch
        if full:
            self.flush()
        return item

    def flush(self) -> None:
        """Sync objects and journal (one system-wide sync per batch), then delete the staged files they replace."""
        with self._lock:
            staged, self._staged = self._staged, []
        sync_all()
        for p in staged:
            p.unlink(missing_ok=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.flush()
        self.journal.close()

    def sweep(self, source: Source, staging: Path) -> int:
        """Ingest finished pairs a killed run left behind; partial downloads stay for gallery-dl to resume."""
        if not staging.is_dir():
            return 0
        done = [self.ingest(source, path) for path in sorted(staging.iterdir())
                if path.is_file() and path.suffix not in (SIDECAR, ".part", ".tmp") and Path(str(path) + SIDECAR).is_file()]
        self.flush()
        return len(done)
    def _item(self, source: Source, meta: dict[str, Any], data: bytes) -> Item:
        oid = sha256_bytes(data)
        prov = source.provenance(meta, meta.get(QUERY_KEY) or "", now_iso())
        item = Item(id=oid, bytes=len(data), hashes={"sha256": oid}, sources=[prov])
        if prov.opt_out and self.filters.honour_opt_out:
            # Honoured by not keeping the bytes; the item stays so the decision is on record.
            item.reject(Reason(code="opt_out", stage="collect", detail="; ".join(prov.opt_out)))
            return item
        item.object = self.ws.store.relpath(self.ws.store.put_bytes(data, oid, durable=False))
        try:
            info = probe(data, self.max_pixels)
        except ImageRejected as exc:
            item.reject(Reason(code=exc.code, stage="collect", detail=exc.detail))
            return item
        item.width, item.height, item.format, item.mode = info.width, info.height, info.format, info.mode
        side = min(info.width, info.height)
        if side < self.filters.min_size:
            item.reject(Reason(code="too_small", stage="collect", detail=f"{info.width}x{info.height}",
                               score=side, threshold=self.filters.min_size))
        return item
