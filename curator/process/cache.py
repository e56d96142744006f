"""The incremental cache: per source image, what a worker computed under given parameters.

Two layers, each keyed by (source id, hash of exactly the parameters that shaped it):
detections (detector chain settings) and finished results (detection + crop settings).
Thresholds are in neither key, so changing one re-judges cached scores and recomputes
nothing; changing a crop setting re-crops but reuses detections.

Entries live in one SQLite file written only by the stage's main process, committed in
batches: one file per entry cost as much as the cropping on a busy disk.
A batch is whatever finished within `COMMIT_EVERY` seconds, because each commit syncs the whole
disk, which costs the same for one crop or hundreds. An interrupted run loses at most that
much work, which is simply recomputed.
Each commit first flushes the crops (stored without per-file fsync) with one `sync_all()`,
so no committed entry, and no manifest written after `close()`, names a crop not on disk.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from commons.atomic import sync_all
from commons.hashing import settings_key

CACHE_VERSION = 4  # bump when worker output changes meaning, to orphan old entries
COMMIT_EVERY = 10.0  # seconds


def params_key(params: dict[str, Any]) -> str:
    return settings_key({"cache_version": CACHE_VERSION, **params})


class CacheDB:
    """The stage's cache file, `folder/cache.sqlite`; one connection shared by its layers."""

    def __init__(self, folder: Path) -> None:
        self._db = sqlite3.connect(Path(folder) / "cache.sqlite", timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS entries (layer TEXT, key TEXT, source TEXT, data TEXT, "
                         "PRIMARY KEY (layer, key, source))")
        self._pending = 0
        self._committed = time.monotonic()

    def layer(self, name: str, key: str) -> "ResultCache":
        return ResultCache(self, name, key)

    def _get(self, layer: str, key: str, source_id: str) -> dict | None:
        row = self._db.execute("SELECT data FROM entries WHERE layer=? AND key=? AND source=?", (layer, key, source_id)).fetchone()
        return json.loads(row[0]) if row else None

    def _put(self, layer: str, key: str, source_id: str, data: dict) -> None:
        self._db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", (layer, key, source_id, json.dumps(data, sort_keys=True)))
        self._pending += 1
        if time.monotonic() - self._committed >= COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        if self._pending:
            # Entries name crops the workers stored without a per-file fsync: those reach the disk first.
            sync_all()
        self._db.commit()
        self._pending = 0
        self._committed = time.monotonic()

    def close(self) -> None:
        self.commit()
        self._db.close()


class ResultCache:
    """The entries of one layer under one parameter key."""

    def __init__(self, db: CacheDB, layer: str, key: str) -> None:
        self._db, self.layer, self.key = db, layer, key

    def get(self, source_id: str) -> dict | None:
        return self._db._get(self.layer, self.key, source_id)

    def put(self, source_id: str, data: dict) -> None:
        self._db._put(self.layer, self.key, source_id, data)
