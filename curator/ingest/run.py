"""Drive an import: files in parallel through the worker, results merged into a new version."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from commons.atomic import sync_all
from curator.ingest.reader import iter_files
from curator.ingest.worker import FileResult, WorkerSettings, ingest_file_safe, init_worker
from curator.workspace import RAW_STAGES, Workspace
from manifests import Item, Manifest, Provenance, Reason
from manifests.io import now_iso


@dataclass
class ImportResult:
    files: int = 0
    new_items: int = 0
    new_sources: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    manifest_path: Path | None = None
    manifest: Manifest | None = None


def _item_from(result: FileResult, store_rel: Callable[[str], str], fetched: str) -> Item:
    item = Item(
        id=result.oid,
        object=store_rel(result.oid) if result.stored else None,
        bytes=result.size,
        hashes={"sha256": result.oid},
        sources=[Provenance(path=result.path, fetched=fetched)],
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
    cfg = ws.config.import_
    files = list(iter_files(paths))
    parent = ws.manifests.latest(RAW_STAGES)  # imports and collections grow the latest raw version
    items: dict[str, Item] = {it.id: it.model_copy(deep=True) for it in parent.items} if parent else {}
    settings = WorkerSettings(str(ws.store.root), cfg.max_file_bytes, cfg.max_pixels, frozenset(items))
    result = ImportResult(files=len(files))
    fetched = now_iso()
    n_workers = workers or cfg.workers or os.cpu_count() or 1

    def consume(results):
        for done, fr in enumerate(results, 1):
            _merge(items, fr, ws.store.relpath, fetched, result)
            if on_progress:
                on_progress(done, len(files))

    if n_workers == 1 or len(files) < 64:
        init_worker(settings)
        consume(map(ingest_file_safe, files))
    else:
        # fork would copy the parent's memory and any threads; spawn keeps workers small and safe.
        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(n_workers, initializer=init_worker, initargs=(settings,)) as pool:
            consume(pool.imap(ingest_file_safe, files, chunksize=16))

    if result.new_items:
        sync_all()  # the workers wrote objects without per-file fsyncs; make them durable before the manifest
    path, is_new, manifest = ws.manifests.commit(
        parent, "import", {"paths": [str(p.resolve()) for p in paths], **cfg.model_dump()},
        sorted(items.values(), key=lambda it: (it.sources[0].path or it.sources[0].url or "", it.id)))
    if is_new:  # else nothing new: the parent, or an identical earlier version, already says it all
        result.manifest_path, result.manifest = path, manifest
    return result


def _merge(items: dict[str, Item], fr: FileResult, store_rel, fetched: str, result: ImportResult) -> None:
    existing = items.get(fr.oid)
    if existing is None:
        items[fr.oid] = _item_from(fr, store_rel, fetched)
        result.new_items += 1
        if fr.reject_code:
            result.rejected[fr.reject_code] = result.rejected.get(fr.reject_code, 0) + 1
    elif not any(s.path == fr.path for s in existing.sources):
        existing.sources.append(Provenance(path=fr.path, fetched=fetched))
        result.new_sources += 1

