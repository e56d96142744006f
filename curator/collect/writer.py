"""Finished downloads into the object store and a crash-safe journal of collected items.

gallery-dl leaves each finished file in the staging folder and appends its metadata to the
folder's metadata log. The writer links the file into the store, appends one item per file to
the journal, and deletes the staged file only once the journal is synced, so a kill at any
moment loses nothing: a leftover file is picked up (with its logged metadata) by the next run's
sweep, and the journal is folded into the next manifest version.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from curator.collect.gallerydl import FILE_KEY, HEADERS_KEY, METADATA_LOG, QUERY_KEY
from curator.collect.sources.base import Source
from commons.atomic import sync_all
from commons.hashing import sha256_bytes
from curator.workspace import Workspace
from manifests import Item, Reason
from manifests.io import now_iso


def _imageio():
    # Imported on first use: Pillow takes a few tens of milliseconds to load, which a background
    # thread spends while gallery-dl starts up instead of before it (see Writer.__init__).
    from curator import imageio

    return imageio


def parse_metadata(line: bytes) -> dict[str, Any] | None:
    """One metadata log line as gallery-dl's metadata with the response headers parsed; None if torn."""
    try:
        meta = json.loads(line)
    except ValueError:
        return None  # the line a kill cut short; its file was not moved into place
    headers = meta.pop(HEADERS_KEY, None)
    try:
        parsed = json.loads(headers) if isinstance(headers, str) else {}
    except ValueError:
        parsed = {}
    meta["curator_headers"] = {str(k).lower(): v for k, v in (parsed or {}).items()}
    return meta


class MetadataLog:
    """Follows one staging folder's metadata log, which gallery-dl appends a line to per download.

    A file's line is written before the file is moved into place, so by the time gallery-dl
    reports the file as new its line is there to read.
    """

    def __init__(self, staging: Path) -> None:
        self.path = staging / METADATA_LOG
        self._fh: IO[bytes] | None = None
        self._unclaimed: dict[str, dict[str, Any]] = {}  # lines read ahead of their file's event
        self._lock = threading.Lock()

    def lookup(self, path: Path) -> dict[str, Any]:
        """The metadata of the staged file `path`, reading the log as far as needed."""
        key = str(path)
        with self._lock:
            while key not in self._unclaimed:
                meta = self._next()
                if meta is None:
                    raise LookupError(f"{path}: no metadata logged for this file")
                self._unclaimed[str(meta.get(FILE_KEY))] = meta
            return self._unclaimed.pop(key)

    def _next(self) -> dict[str, Any] | None:
        if self._fh is None:
            self._fh = open(self.path, "rb")
        while line := self._fh.readline():
            if not line.endswith(b"\n"):  # still being written: read it again next time
                self._fh.seek(-len(line), os.SEEK_CUR)
                return None
            if (meta := parse_metadata(line)) is not None:
                return meta
        return None

    def read_all(self) -> dict[str, dict[str, Any]]:
        """Every logged file's metadata by path; a file downloaded twice keeps its last line."""
        if not self.path.is_file():
            return {}
        out = {}
        with open(self.path, "rb") as fh:
            for line in fh:
                if (meta := parse_metadata(line)) is not None:
                    out[str(meta.get(FILE_KEY))] = meta
        return out

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


class Journal:
    """Append-only JSON lines of items not yet in a manifest; a torn last line is ignored.

    This run's items are also kept in memory, so folding them into the manifest does not parse
    them back; only lines a killed earlier run left are read from the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None
        self._earlier = path.stat().st_size if path.is_file() else 0  # bytes left by killed runs
        self._appended: list[Item] = []

    def append(self, item: Item) -> None:
        line = item.model_dump_json(exclude_defaults=True) + "\n"
        with self._lock:
            if self._fh is None:
                self._open()
            self._fh.write(line)
            self._fh.flush()  # in the OS now: survives a killed process
            self._appended.append(item)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = False
        if self._earlier:
            with open(self.path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
        self._fh = open(self.path, "a", encoding="utf-8")
        if torn:  # a kill cut the last line short: start on a fresh line, or the next item is lost with it
            self._fh.write("\n")

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
        """Items killed earlier runs left in the file, then this run's."""
        if self._earlier:
            with open(self.path, "rb") as fh:
                earlier = fh.read(self._earlier).decode("utf-8", "replace")
            for line in earlier.splitlines():
                try:
                    yield Item.model_validate_json(line)
                except ValueError:
                    continue  # the line a kill cut short; its file is re-swept or re-fetched
        with self._lock:
            appended = list(self._appended)
        yield from appended

    def clear(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
        self._earlier, self._appended = 0, []


class Writer:
    """Ingests each staged file as gallery-dl reports it, on the thread reading that source's events.

    Ingesting is cheap (hash, header probe, link, journal line); a thread pool for it cost
    more than that again in hand-offs and lock contention, and stole
    the CPU gallery-dl itself needed.

    Staged files are deleted in batches, after the journal lines that replace them are synced;
    a kill before that leaves them to the next sweep, which re-journals them (merging is
    idempotent). A batch is whatever arrived within `sync_every` seconds: a system-wide sync
    costs the same for one file or a thousand, and on a fast site a count-based batch would
    sync many times a second.
    """

    def __init__(self, ws: Workspace, journal: Journal, sync_every: float = 10.0) -> None:
        self.ws = ws
        self.journal = journal
        self.filters = ws.config.collect.filters
        self.max_pixels = ws.config.import_.max_pixels
        self.sync_every = sync_every
        self._synced = time.monotonic()
        threading.Thread(target=_imageio, name="collect-import", daemon=True).start()
        self._logs: dict[Path, MetadataLog] = {}
        self._staged: list[Path] = []
        self._lock = threading.Lock()

    def ingest_new(self, source: Source, path: Path) -> Item:
        """Ingest a file gallery-dl has just finished; raises OSError or LookupError if it cannot."""
        with self._lock:
            log = self._logs.get(path.parent)
            if log is None:
                log = self._logs[path.parent] = MetadataLog(path.parent)
        return self.ingest(source, path, log.lookup(path))

    def ingest(self, source: Source, path: Path, meta: dict[str, Any]) -> Item:
        """Store one staged file with its provenance and journal it; the staged file goes in the next batch."""
        item = self._item(source, meta, path)
        self.journal.append(item)
        with self._lock:
            self._staged.append(path)
            due = time.monotonic() - self._synced >= self.sync_every
        if due:
            self.flush()
        return item

    def flush(self) -> None:
        """Sync objects and journal (one system-wide sync per batch), then delete the staged files they replace."""
        with self._lock:
            staged, self._staged = self._staged, []
            self._synced = time.monotonic()
        if not staged:
            return  # nothing written since the last sync (a system-wide sync is not free on a busy machine)
        sync_all()
        for p in staged:
            p.unlink(missing_ok=True)  # cheap: the store holds another link to the same data

    def close(self) -> None:
        self.flush()
        self.journal.close()
        for staging, log in self._logs.items():
            log.close()
            if not _finished_files(staging):  # every logged file is journaled: the log has done its job
                log.path.unlink(missing_ok=True)

    def sweep(self, source: Source, staging: Path) -> int:
        """Ingest finished files a killed run left behind; partial downloads stay for gallery-dl to resume."""
        log = MetadataLog(staging)
        logged = log.read_all()
        done = [self.ingest(source, path, logged[str(path)]) for path in _finished_files(staging) if str(path) in logged]
        self.flush()
        log.path.unlink(missing_ok=True)  # gallery-dl starts a fresh one
        return len(done)

    def _store(self, path: Path, data: bytes, oid: str) -> str:
        """Link the staged file into the store: no second copy of the bytes, and deleting the staged
        name later frees no disk blocks (which costs a discard per file on some filesystems)."""
        target = self.ws.store.path(oid)
        try:
            _link(path, target)
        except FileExistsError:
            pass  # already stored
        except OSError:  # e.g. the cache on another filesystem
            self.ws.store.put_bytes(data, oid, durable=False)
        return self.ws.store.relpath(oid)

    def _item(self, source: Source, meta: dict[str, Any], path: Path) -> Item:
        data = path.read_bytes()
        oid = sha256_bytes(data)
        prov = source.provenance(meta, meta.get(QUERY_KEY) or "", now_iso())
        item = Item(id=oid, bytes=len(data), hashes={"sha256": oid}, sources=[prov])
        if prov.opt_out and self.filters.honour_opt_out:
            # Honoured by not keeping the bytes; the item stays so the decision is on record.
            item.reject(Reason(code="opt_out", stage="collect", detail="; ".join(prov.opt_out)))
            return item
        item.object = self._store(path, data, oid)
        imageio = _imageio()
        try:
            # Header and a cut-short check only: `curator process` decodes every pixel anyway and
            # rejects damage inside a whole file there, with its reason.
            info = imageio.probe(data, self.max_pixels, decode=False)
        except imageio.ImageRejected as exc:
            item.reject(Reason(code=exc.code, stage="collect", detail=exc.detail))
            return item
        item.width, item.height, item.format, item.mode = info.width, info.height, info.format, info.mode
        side = min(info.width, info.height)
        if side < self.filters.min_size:
            item.reject(Reason(code="too_small", stage="collect", detail=f"{info.width}x{info.height}",
                               score=side, threshold=self.filters.min_size))
        return item


def _link(path: Path, target: Path) -> None:
    # Link first, create the folder only when it is missing: one system call per file in the
    # common case instead of three.
    try:
        os.link(path, target)
    except FileNotFoundError:
        if not path.exists():
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)


def _finished_files(staging: Path) -> list[Path]:
    """Downloads gallery-dl has moved into place (not its partial files, nor the metadata log)."""
    if not staging.is_dir():
        return []
    return sorted(p for p in staging.iterdir()
                  if p.is_file() and p.name != METADATA_LOG and p.suffix not in (".part", ".tmp"))
