"""Drive `curator process`: read the parent version, work on what the cache lacks, write the new version.

reader (`_plan`: filters on import metadata, cache lookups) -> worker pool (`worker.process_task`,
one source image each, streamed) -> writer (`_assemble`: crops replace sources, thresholds,
duplicates, manifest). Memory holds one small result per source, never pixels.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from commons.hashing import sha256_file
from curator.errors import CuratorError
from curator.process import report
from curator.process.cache import CacheDB, ResultCache, params_key
from curator.process.config import ProcessConfig
from curator.process.crop import CropSpec
from curator.process.duplicates import Candidate, Thresholds, mark_duplicates, mark_identical_crops
from curator.process.hashing import SOURCE_HASH_SIZE
from curator.process.items import crop_item, failed_source, rejected_source
from curator.process.quality import SOURCE_FILTERS, judge, source_scores, thresholds_of
from curator.process.worker import CropRecord, SourceResult, Task, WorkerSettings, init_worker, process_task
from curator.workspace import RAW_STAGES, Workspace
from detectors.registry import DetectorSettings
from manifests import Item, Manifest

STAGE = "process"
INLINE_BELOW = 16  # fewer tasks than this run in-process: a pool's start-up would cost more
# One source per pool message: decoding and detecting a source dwarfs a message, so messages cost nothing next to
# it, and no worker idles at the end while another finishes a chunk of several.
CHUNKSIZE = 1


@dataclass
class ProcessResult:
    manifest: Manifest
    manifest_path: Path
    new_version: bool  # False when an identical version already existed
    computed: int = 0  # source images decoded this run
    cached: int = 0  # source images answered from the cache
    detectors: dict[str, int] = field(default_factory=dict)
    yields: dict = field(default_factory=dict)  # report.yields: sources -> crops per detector, rejections per reason
    report_dir: Path | None = None  # contact sheets per rejection reason and per detector


def input_manifest(ws: Workspace, ref: str | None) -> Manifest:
    """`ref`, else the latest import or collect version."""
    if ref is not None:
        return ws.manifests.load(ref)
    parent = ws.manifests.latest(RAW_STAGES)
    if parent is None:
        raise CuratorError("no import or collect manifest yet: run 'curator import' or 'curator collect' first")
    return parent


def crop_spec(cfg: ProcessConfig) -> CropSpec:
    return CropSpec(
        grow_top=cfg.grow_top, grow_bottom=cfg.grow_bottom, grow_sides=cfg.grow_sides, subject_margin=cfg.subject_margin,
        subject_anchor=cfg.subject_anchor, pad=cfg.pad, level_eyes=cfg.level_eyes, resolution=cfg.resolution,
        resample=cfg.resample, background=tuple(cfg.background),
    )


def worker_settings(ws: Workspace, cfg: ProcessConfig) -> WorkerSettings:
    """Settings for the workers, with weights resolved here so a missing file fails once, before any work."""
    animeface_path = cfg.animeface_path
    if "animeface" in cfg.detectors:
        from detectors.animeface import ANIMEFACE
        from commons.weights import resolve

        animeface_path = str(resolve(ANIMEFACE, cfg.animeface_path))
    return WorkerSettings(
        store_root=str(ws.store.root), detectors=tuple(cfg.detectors),
        detector_settings=DetectorSettings(min_score=cfg.face_min_score, animeface_path=animeface_path),
        detect_max_side=cfg.detect_max_side, faces=cfg.faces, crop=crop_spec(cfg), max_pixels=ws.config.import_.max_pixels,
        choice=cfg.detector_choice, min_probability=cfg.face_min_probability,
    )


def cache_keys(settings: WorkerSettings) -> tuple[str, str]:
    """(detection key, result key): each hashes exactly the settings its layer depends on."""
    # Cascade files are keyed by content, so swapping the file at a path invalidates its detections.
    files = {name: sha256_file(name) for name in settings.detectors if name.endswith(".xml")}
    detect = {
        "detectors": settings.detectors, "files": files, "min_score": settings.detector_settings.min_score,
        "min_size": settings.detector_settings.min_size, "max_side": settings.detect_max_side,
        "animeface": sha256_file(settings.detector_settings.animeface_path) if settings.detector_settings.animeface_path else None,
        "background": settings.crop.background,  # transparency is flattened onto it before detection
        "choice": settings.choice, "min_probability": settings.min_probability,
    }
    detect_key = params_key(detect)
    return detect_key, params_key({"detect": detect_key, "faces": settings.faces, "crop": settings.crop.__dict__,
                                   "hash_size": SOURCE_HASH_SIZE})


def process_manifest(ws: Workspace, ref: str | None = None, on_progress: Callable[[int, int], None] | None = None,
                     workers: int | None = None) -> ProcessResult:
    with ws.writing("process"):  # from reading the parent to committing: one writer per workspace
        return _process_manifest(ws, ref, on_progress, workers)


def _process_manifest(ws: Workspace, ref: str | None, on_progress: Callable[[int, int], None] | None,
                      workers: int | None) -> ProcessResult:
    cfg = ws.config.process
    parent = input_manifest(ws, ref)
    settings = worker_settings(ws, cfg)
    detect_key, result_key = cache_keys(settings)
    cache = CacheDB(ws.cache_dir(STAGE))
    try:
        detections, results = cache.layer("detect", detect_key), cache.layer("result", result_key)
        done, tasks = _plan(ws, parent, results, detections, thresholds_of(cfg))
        n_cached = len(done)
        thumbnails: dict[str, bytes] = {}
        for result in _run(tasks, settings, workers or cfg.workers or os.cpu_count() or 1, on_progress):
            if result.detection is not None:
                detections.put(result.source_id, result.detection)
            if not (result.error and result.error[0] == "process_failed"):  # a crash may be transient: retry next run
                results.put(result.source_id, result.to_json())
            thumbnails.update(result.thumbnails)
            result.thumbnails = {}
            done[result.source_id] = result
    finally:  # keep what was finished, also when interrupted
        cache.close()  # also syncs the crops to disk, once, before the manifest below names them

    items, stats = _assemble(parent, done, cfg, ws)
    path, new, manifest = ws.manifests.commit(parent, STAGE, cfg.model_dump(mode="json"), items, stats)
    out = ProcessResult(manifest, path, new, computed=len(tasks), cached=n_cached)
    for item in manifest.items:
        if item.detection is not None and item.derived_from is not None:
            out.detectors[item.detection.detector] = out.detectors.get(item.detection.detector, 0) + 1
    out.yields = report.yields(parent, manifest)
    report.write_contact_sheets(ws.root, manifest, thumbnails=thumbnails)
    out.report_dir = report.report_dir(ws.root, manifest)
    return out


def _plan(ws: Workspace, parent: Manifest, results: ResultCache, detections: ResultCache,
          thresholds: dict[str, float]) -> tuple[dict[str, SourceResult], list[Task]]:
    """The reader: cached results for sources that have one; tasks (with any cached detection) for the rest."""
    done: dict[str, SourceResult] = {}
    tasks: list[Task] = []
    for item in parent.items:
        if item.status != "kept" or item.object is None or judge(source_scores(item), SOURCE_FILTERS, thresholds):
            continue
        cached = results.get(item.id)
        if cached is not None and all(c["id"] in ws.store for c in cached["crops"]):
            done[item.id] = SourceResult.from_json(cached)
        else:
            tasks.append(Task(item.id, str(ws.root / item.object), detections.get(item.id)))
    return done, tasks


def pool_context() -> mp.context.BaseContext:
    """forkserver (else spawn): workers start clean instead of inheriting this process's threads and memory."""
    return mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def _run(tasks: list[Task], settings: WorkerSettings, n_workers: int,
         on_progress: Callable[[int, int], None] | None) -> Iterator[SourceResult]:
    def report(stream: Iterable[SourceResult]) -> Iterator[SourceResult]:
        for n, result in enumerate(stream, 1):
            if on_progress:
                on_progress(n, len(tasks))
            yield result

    if n_workers == 1 or len(tasks) < INLINE_BELOW:
        init_worker(settings)
        yield from report(map(process_task, tasks))
        return
    with pool_context().Pool(min(n_workers, len(tasks)), initializer=init_worker, initargs=(settings,)) as pool:
        yield from report(pool.imap_unordered(process_task, tasks, chunksize=CHUNKSIZE))


def _assemble(parent: Manifest, done: dict[str, SourceResult], cfg: ProcessConfig,
              ws: Workspace) -> tuple[list[Item], dict[str, int]]:
    """The new version's items (crops replace their sources) and the stats only this stage knows."""
    thresholds = thresholds_of(cfg)
    out: dict[str, Item] = {}
    candidates: list[Candidate] = []
    twins: list[tuple[Item, Item]] = []  # (source, the identical crop an earlier source gave)
    n_crops = 0
    for source in parent.items:
        if source.status != "kept" or source.object is None:
            out.setdefault(source.id, source.model_copy(deep=True))
            continue
        scores = source_scores(source)
        reasons = judge(scores, SOURCE_FILTERS, thresholds)
        result = done.get(source.id)
        if reasons or result is None:
            out[source.id] = rejected_source(source, scores, reasons)
            continue
        if not result.crops:
            out[source.id] = failed_source(source, *(result.error or ("no_detection", "no crop")))
            continue
        new_crops = _new_crops(result, out)
        if not new_crops:  # byte-identical to crops already cut from another source: stays, as their duplicate
            out[source.id] = source.model_copy(deep=True)
            twins.append((out[source.id], out[result.crops[0].id]))
            continue
        kept_crops = []
        for rec in new_crops:
            item = out[rec.id] = crop_item(source, result, rec, cfg.resolution, ws.store.relpath(rec.id), thresholds)
            n_crops += 1
            if item.status == "kept":
                kept_crops.append(item)
        if kept_crops:
            candidates.append(Candidate(source, result.hashes, result.sharpness, kept_crops))
    groups = mark_duplicates(candidates, Thresholds(cfg.near_duplicate_distance, cfg.near_duplicate_phash_distance))
    groups += mark_identical_crops(twins, out)
    return list(out.values()), {"crops": n_crops, "duplicate_groups": groups}


def _new_crops(result: SourceResult, out: dict[str, Item]) -> list[CropRecord]:
    """The source's crops not already among the items (another source, or itself, gave the same bytes)."""
    new: dict[str, CropRecord] = {}
    for rec in result.crops:
        if rec.id not in out:
            new.setdefault(rec.id, rec)
    return list(new.values())
