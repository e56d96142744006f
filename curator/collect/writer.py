"""Finished downloads into the object store and a crash-safe journal of collected items.

gallery-dl leaves each finished file in the staging folder with a JSON metadata sidecar. The
writer stores the bytes, appends one item per file to the journal (fsynced), and only then
deletes the staged pair, so a kill at any moment loses nothing: a leftover pair is picked up by
the next run's sweep, and the journal is folded into the next manifest version.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from curator.collect.gallerydl import HEADERS_KEY, QUERY_KEY
from curator.collect.sources.base import Source
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

    def append(self, item: Item) -> None:
        line = item.model_dump_json(exclude_defaults=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())

    def items(self) -> Iterator[Item]:
        if not self.path.is_file():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                yield Item.model_validate_json(line)
            except ValueError:
                continue  # the line a kill cut short; its file is re-swept or re-fetched

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class Writer:
    def __init__(self, ws: Workspace, journal: Journal) -> None:
        self.ws = ws
        self.journal = journal
        self.filters = ws.config.collect.filters
        self.max_pixels = ws.config.import_.max_pixels

    def ingest(self, source: Source, path: Path) -> Item:
        """Store one staged file with its provenance, journal it, remove the staged pair."""
        sidecar = Path(str(path) + SIDECAR)
        meta = read_sidecar(sidecar)
        data = path.read_bytes()
        item = self._item(source, meta, data)
        self.journal.append(item)
        path.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        return item

    def sweep(self, source: Source, staging: Path) -> int:
        """Ingest finished pairs a killed run left behind; partial downloads stay for gallery-dl to resume."""
        done = 0
        if not staging.is_dir():
            return 0
        for path in sorted(staging.iterdir()):
            if path.suffix in (SIDECAR, ".part", ".tmp") or not path.is_file():
                continue
            if Path(str(path) + SIDECAR).is_file():
                self.ingest(source, path)
                done += 1
        return done

    def _item(self, source: Source, meta: dict[str, Any], data: bytes) -> Item:
        oid = sha256_bytes(data)
        prov = source.provenance(meta, meta.get(QUERY_KEY) or "", now_iso())
        item = Item(id=oid, bytes=len(data), hashes={"sha256": oid}, sources=[prov])
        if prov.opt_out and self.filters.honour_opt_out:
            # Honoured by not keeping the bytes; the item stays so the decision is on record.
            item.reject(Reason(code="opt_out", stage="collect", detail="; ".join(prov.opt_out)))
            return item
        item.object = self.ws.store.relpath(self.ws.store.put_bytes(data, oid))
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
