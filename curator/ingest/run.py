"""Drive an import: files in parallel through the worker, results merged into a new version.

Under the workspace lock: the parent is read, objects are written and the version is committed
by one process at a time. Each worker lists the objects it creates in a journal; when the import
fails (a full disk), or was killed, the objects no manifest refers to are taken back, so a
failed import leaves the store as it found it.
"""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from commons.atomic import sync_all
from curator.errors import CuratorError, free_bytes, human_bytes
from curator.ingest.reader import Entry, scan
from curator.ingest.worker import FileResult, StoreWriteError, IngestSettings, ingest_file_safe, init_worker, path_id
from curator.workspace import RAW_STAGES, Workspace
from manifests import Item, Manifest, Provenance, Reason
from manifests.io import now_iso

JOURNAL_DIR = ".journal"


@dataclass
class ImportResult:
    files: int = 0
    new_items: int = 0
    new_sources: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    manifest_path: Path | None = None
    manifest: Manifest | None = None


def shown_path(path: str) -> tuple[str, dict[str, str]]:
    """(text for the manifest, extra fields): a name that is not UTF-8 is shown with its odd bytes
    escaped (bad\\xff.png) and kept exactly, as hex of its bytes, in `extra["path_bytes"]`."""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8"), {}
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), {"path_bytes": raw.hex()}


def _provenance(path: str, fetched: str) -> Provenance:
    text, extra = shown_path(path)
    return Provenance(path=text, fetched=fetched, extra=extra)


def _item_from(result: FileResult, store_rel: Callable[[str], str], fetched: str) -> Item:
    item = Item(
        id=result.oid,
        object=store_rel(result.oid) if result.stored else None,
        bytes=result.size,
        hashes={} if result.path_only else {"sha256": result.oid},
        sources=[_provenance(result.path, fetched)],
    )
    if result.info is not None:
        item.width, item.height = result.info.width, result.info.height
        item.format, item.mode = result.info.format, result.info.mode
    if result.reject_code:
        item.reject(Reason(code=result.reject_code, stage="import", detail=result.reject_detail))
    return item


def import_paths(
    ws: Workspace,
    paths: list[Path],
    on_progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> ImportResult:
    cfg = ws.config.import_.override(workers=workers)
    entries = scan(paths)
    with ws.writing("import"):
        journal = ws.root / JOURNAL_DIR
        reclaim(ws, journal)  # objects of an import that was killed or failed before its manifest
        journal.mkdir(exist_ok=True)
        done: list[FileResult] = []
        try:
            result = _import(ws, paths, entries, cfg, journal, on_progress, done)
        except StoreWriteError as exc:
            reclaim(ws, journal)
            raise CuratorError(_full_disk(exc, ws, entries, done)) from None
        except BaseException:
            reclaim(ws, journal)
            raise
        _clear(journal)
        return result


def _import(ws: Workspace, paths: list[Path], entries: list[Entry], cfg, journal: Path,
            on_progress: Callable[[int, int], None] | None, done: list[FileResult]) -> ImportResult:
    # Read under the lock: no other writer can commit between this read and our commit.
    parent = ws.manifests.latest(RAW_STAGES)  # imports and collections grow the latest raw version
    items: dict[str, Item] = {it.id: it.model_copy(deep=True) for it in parent.items} if parent else {}
    settings = IngestSettings(str(ws.store.root), cfg.max_file_bytes, cfg.max_pixels, frozenset(items), str(journal))
    result = ImportResult(files=len(entries))
    fetched = now_iso()
    n_workers = cfg.workers or os.cpu_count() or 1
    known_paths = {s.path for it in items.values() for s in it.sources if s.path}

    def consume(results):
        for n, fr in enumerate(results, 1):
            done.append(fr)
            _merge(items, fr, ws.store.relpath, fetched, result, known_paths)
            if on_progress:
                on_progress(n, len(entries))

    if n_workers == 1 or len(entries) < 64:
        init_worker(settings)
        consume(map(ingest_file_safe, entries))
    else:
        # fork would copy the parent's memory and any threads; spawn keeps workers small and safe.
        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(n_workers, initializer=init_worker, initargs=(settings,)) as pool:
            consume(pool.imap(ingest_file_safe, entries, chunksize=16))

    if result.new_items:
        sync_all()  # the workers wrote objects without per-file fsyncs; make them durable before the manifest
    path, is_new, manifest = ws.manifests.commit(
        parent, "import", {"paths": [shown_path(_resolved(p))[0] for p in paths], **cfg.model_dump()},
        sorted(items.values(), key=lambda it: (it.sources[0].path or it.sources[0].url or "", it.id)))
    if is_new:  # else nothing new: the parent, or an identical earlier version, already says it all
        result.manifest_path, result.manifest = path, manifest
    return result


def _resolved(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a symlink loop given on the command line
        return os.path.abspath(path)


def _merge(items: dict[str, Item], fr: FileResult, store_rel, fetched: str, result: ImportResult,
           known_paths: set[str]) -> None:
    shown = shown_path(fr.path)[0]
    if fr.path_only:
        if shown in known_paths and fr.oid not in items:
            return  # read before: a file unreadable now keeps its item; no second entry for one path
    else:
        # A path that could not be read before has been read now: its stand-in entry goes.
        stale = items.get(path_id(fr.path))
        if stale is not None and all(s.path == shown for s in stale.sources):
            del items[stale.id]
    existing = items.get(fr.oid)
    if existing is None:
        items[fr.oid] = _item_from(fr, store_rel, fetched)
        known_paths.add(shown)
        result.new_items += 1
        if fr.reject_code:
            result.rejected[fr.reject_code] = result.rejected.get(fr.reject_code, 0) + 1
    elif not any(s.path == shown for s in existing.sources):
        existing.sources.append(_provenance(fr.path, fetched))
        known_paths.add(shown)
        result.new_sources += 1


def _journal_ids(journal: Path) -> set[str]:
    ids: set[str] = set()
    for file in journal.glob("import-*.journal"):
        try:
            ids.update(line.strip() for line in file.read_text(encoding="ascii", errors="replace").splitlines())
        except OSError:
            continue
    return {oid for oid in ids if len(oid) == 64 and all(c in "0123456789abcdef" for c in oid)}


def _clear(journal: Path) -> None:
    for file in journal.glob("import-*.journal"):
        file.unlink(missing_ok=True)


def reclaim(ws: Workspace, journal: Path) -> int:
    """Delete the journalled objects no manifest refers to; clear the journals. Returns how many went.

    An object is journalled only when the store lacked it, so no earlier version can need it; the
    check against every manifest covers an import killed after its commit, before this cleanup.
    """
    if not journal.is_dir():
        return 0
    listed = _journal_ids(journal)
    removed = 0
    if listed:
        referenced: set[str] = set()
        for path in ws.manifests.paths():
            try:
                referenced.update(it.id for it in ws.manifests.load(path).items)
            except Exception:  # an unreadable version: keep every object it might name
                return 0
        for oid in listed - referenced:
            target = ws.store.path(oid)
            try:
                target.unlink()
                removed += 1
            except FileNotFoundError:
                continue
            try:
                target.parent.rmdir()  # the fan-out folder, when this was its only object
            except OSError:
                pass
    _clear(journal)
    return removed


def _full_disk(exc: StoreWriteError, ws: Workspace, entries: list[Entry], done: list[FileResult]) -> str:
    """One line: what failed, where, and about how much room the whole import needs."""
    total = 0
    limit = ws.config.import_.max_file_bytes
    for entry in entries:
        try:
            st = os.stat(entry.path)
        except OSError:
            continue
        total += min(st.st_size, limit + 1)
    # Already in the store before this run (and so not taken back): the import will not need room for them.
    have = sum(fr.size for fr in done if fr.stored and not fr.path_only and fr.oid in ws.store)
    needed = max(total - have, exc.needed)
    free = free_bytes(ws.store.root)
    what = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
            errno.EFBIG: "file too large for this filesystem or limit", errno.EIO: "input/output error"}.get(exc.errno, exc.strerror)
    return (f"{ws.store.root}: {what} while storing {exc.filename}; this import needs about {human_bytes(needed)} there"
            f"{f' ({human_bytes(free)} free)' if free is not None else ''}; nothing was recorded and the objects written "
            "were removed: free some space and run the same command again")
