"""Evaluate a generator against a real image set with any registered metrics.

Real statistics come from the cache when they can; the generated images are streamed through
the accumulators in batches and never kept, so memory stays flat however many are drawn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

import torch

from commons.atomic import write_text

from curator.errors import CuratorError
from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Accumulator, InceptionExtractor, collect
from curator.evaluate.inception import load_inception, locate_weights
from curator.evaluate.registry import KIND_PARAMS, KINDS, Metric, Stats, get_metrics
from curator.evaluate.sources import ManifestImages, ZipImages, generated_batches
from curator.evaluate.snapshots import load_snapshot_generator, resolve_snapshot, training_data
from curator.evaluate.stats_cache import StatsCache
from curator.software import software_versions
from curator.workspace import Workspace
from commons.device import resolve_device
from commons.hashing import settings_key, sha256_file

RealImages = ZipImages | ManifestImages
Progress = Callable[[int, int], object]  # (images done, images in all)


class _Inception:
    """Loads the network (and hashes its weights for cache keys) only if some statistic needs it."""

    def __init__(self, config: EvalConfig, device: torch.device) -> None:
        self.config, self.device = config, device

    @cached_property
    def weights_id(self) -> str:
        return sha256_file(locate_weights(self.config.inception_weights))

    @cached_property
    def extractor(self) -> InceptionExtractor:
        return InceptionExtractor(load_inception(self.config.inception_weights), self.config.protocol, self.device)


def _kinds(metrics: list[Metric], real_only: bool) -> list[str]:
    return list(dict.fromkeys(k for m in metrics if m.needs_real or not real_only for k in m.kinds))


def _accumulators(kinds: list[str], config: EvalConfig, count: int) -> dict[str, Accumulator]:
    return {k: KINDS[k](config, count) for k in kinds}


def real_statistics(real: RealImages, kinds: list[str], config: EvalConfig, cache: StatsCache,
                    inception: _Inception, on_batch: Callable[[int], object] | None = None) -> Stats:
    """Each kind from the cache, or all missing kinds in one pass over the real images (then cached)."""
    accs = _accumulators(kinds, config, real.count)
    keys = {}
    for k, acc in accs.items():
        parts = {"data": real.identity, "kind": k, **KIND_PARAMS[k](config)}
        if acc.uses_inception:
            parts["weights"] = inception.weights_id
        keys[k] = (settings_key(parts), parts)
    stats: Stats = {k: hit for k, (key, _) in keys.items() if (hit := cache.load(key)) is not None}
    missing = {k: acc for k, acc in accs.items() if k not in stats}
    if missing:
        extractor = inception.extractor if any(a.uses_inception for a in missing.values()) else None
        fresh = collect(real.batches(config.batch), missing, extractor, on_batch)
        for k, arrays in fresh.items():
            cache.save(keys[k][0], arrays, keys[k][1])
        stats.update(fresh)
    return stats


def evaluate(G: torch.nn.Module, real: RealImages, metric_names: list[str], num_gen: int, config: EvalConfig,
             cache: StatsCache, device: torch.device, on_progress: Progress | None = None,
             figures: Path | None = None) -> dict[str, float]:
    """Metric name -> value for `num_gen` images of G against `real`; metrics' pictures next to `figures`."""
    metrics = get_metrics(metric_names)
    if real.resolution != G.img_resolution:
        raise CuratorError(f"the real images are {real.resolution} px but the generator makes {G.img_resolution} px")
    inception = _Inception(config, device)
    real_kinds = _kinds(metrics, real_only=True)
    real_stats = None
    done_real = 0
    if real_kinds:
        report = (lambda d: on_progress(d, real.count + num_gen)) if on_progress else None
        real_stats = real_statistics(real, real_kinds, config, cache, inception, report)
        done_real = real.count
    fake_accs = _accumulators(_kinds(metrics, real_only=False), config, num_gen)
    extractor = inception.extractor if any(a.uses_inception for a in fake_accs.values()) else None
    fakes = generated_batches(G, num_gen, config.batch, config.seed, device, real.labels)
    report = (lambda d: on_progress(done_real + d, done_real + num_gen)) if on_progress else None
    fake_stats = collect(fakes, fake_accs, extractor, report)
    results: dict[str, float] = {}
    for m in metrics:
        results.update(m.compute(real_stats if m.needs_real else None, fake_stats, config))
        if figures is not None:
            m.write_figures(figures)
    return results


def evaluate_snapshot(G_ema: torch.nn.Module, dataset_zip: Path, metrics: list[str], num_gen: int, cache_dir: Path,
                      device: str | torch.device, config: EvalConfig | None = None) -> dict[str, float]:
    """For the trainer: metrics of one snapshot against its training ZIP, real statistics cached in `cache_dir`."""
    return evaluate(G_ema, ZipImages(Path(dataset_zip)), metrics, num_gen, config or EvalConfig(),
                    StatsCache(Path(cache_dir)), resolve_device(device))


@dataclass
class EvalResult:
    record: dict[str, Any]  # what <snapshot>.eval.json holds
    path: Path


def real_images(ws: Workspace, data: str | None, snapshot: Path, resolution: int) -> RealImages:
    """`data` (a ZIP, or a manifest reference), else the training set recorded with the run."""
    if data is None:
        recorded = training_data(snapshot)
        if recorded is None:
            raise CuratorError("no training set recorded with this checkpoint (or it moved): give --data ZIP_OR_MANIFEST")
        return ZipImages(recorded)
    if data.lower().endswith(".zip") and Path(data).is_file():
        return ZipImages(Path(data))
    manifest = ws.manifests.load(data)
    objects = [it.object for it in manifest.kept() if it.object]
    if not objects:
        raise CuratorError(f"manifest {manifest.id[:12]} has no kept images")
    missing = [o for o in objects if not (ws.root / o).is_file()]
    if missing:
        raise CuratorError(f"{len(missing)} object(s) of manifest {manifest.id[:12]} are missing from the store, e.g. "
                           f"{missing[0]}; 'curator manifest verify {manifest.id[:12]}' lists them")
    return ManifestImages(ws.root, manifest.id, objects, resolution)


def run_eval(ws: Workspace, checkpoint: Path, data: str | None, cfg: EvalConfig,
             on_progress: Progress | None = None) -> EvalResult:
    """Metrics of a snapshot against real images, written next to it as <snapshot>.eval.json."""
    get_metrics(cfg.metrics)  # an unknown metric name is refused before anything is loaded
    snapshot = resolve_snapshot(checkpoint)
    device = resolve_device(cfg.device)
    G = load_snapshot_generator(snapshot, device)
    real = real_images(ws, data, snapshot, G.img_resolution)
    stem = snapshot.with_name(snapshot.name.rsplit(".", 1)[0])
    results = evaluate(G, real, cfg.metrics, cfg.num, cfg, StatsCache(ws.cache_dir("metrics")), device, on_progress,
                       figures=stem)
    record = {"checkpoint": str(snapshot), "real": real.identity, "real_images": real.count,
              "config": cfg.model_dump(mode="json"), "results": results, "software": software_versions()}
    out = snapshot.with_name(snapshot.name.rsplit(".", 1)[0] + ".eval.json")
    write_text(out, json.dumps(record, indent=1, sort_keys=True) + "\n")
    return EvalResult(record, out)
