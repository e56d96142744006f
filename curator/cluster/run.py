"""Drive `curator cluster`: embed kept items, screen them zero-shot, cluster, score outliers and near-duplicates.

Reader: the parent manifest's kept items. Worker: `embed` (cached, batched). Writer: a new
manifest version with `cluster`, `label`, scores and flags, plus the report folder.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from commons.atomic import write_text
from curator.cluster.cache import EmbeddingCache
from curator.cluster.config import ClusterConfig, ZeroShotConfig
from curator.cluster.embed import embed
from commons.device import resolve_device
from curator.cluster.embedders.base import Embedder
from curator.cluster.kmeans import Clustering, cluster, second_level
from curator.cluster.near_duplicates import duplicate_groups
from curator.cluster.neighbours import nearest, pair_cosine
from curator.cluster.outliers import outlier_scores, outlier_threshold
from curator.cluster.report import ReportInput, write_report
from curator.cluster.space import analysis_space
from curator.cluster.zeroshot import zeroshot_scores
from curator.errors import CuratorError
from curator.workspace import Workspace
from manifests import Item, Manifest, Reason

STAGE = "cluster"
_OWN_SCORES = ("outlier", "nearest_cosine", "duplicate_cosine")


@dataclass
class ClusterResult:
    manifest: Manifest
    manifest_path: Path
    report_dir: Path
    clustering: Clustering
    stats: dict[str, Any]
    new_version: bool = True  # False when an identical version already existed


def build_embedder(cfg: ClusterConfig) -> Embedder:
    from curator.cluster.embedders.registry import create_embedder

    return create_embedder(cfg.embedder, cfg.embedder_section())


def run_cluster(
    ws: Workspace,
    ref: str | None,
    cfg: ClusterConfig,
    embedder: Embedder | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ClusterResult:
    """Cluster the kept items of manifest `ref` and write the new version and its report."""
    with ws.writing("cluster"):  # one writer per workspace, from reading the parent to committing
        return _run_cluster(ws, ref, cfg, embedder, on_progress)


def _run_cluster(ws: Workspace, ref: str | None, cfg: ClusterConfig, embedder: Embedder | None,
                 on_progress: Callable[[int, int], None] | None) -> ClusterResult:
    parent = ws.manifests.load(ref)
    items = [_reset(it.model_copy(deep=True)) for it in parent.items]
    targets = [it for it in items if it.status == "kept" and it.object]
    if len(targets) < 2:
        raise CuratorError(f"manifest {parent.id[:12]} has {len(targets)} kept items with stored images; clustering needs at least 2")
    embedder = embedder or build_embedder(cfg)
    embedder.to(resolve_device(cfg.device))
    cache = EmbeddingCache(ws.cache_dir("embeddings"), embedder.cache_key)
    feats, ok = embed(embedder, [it.id for it in targets], [ws.root / it.object for it in targets], cache,
                      cfg.batch_size, cfg.workers or None, on_progress)
    stats: dict[str, Any] = {"embedder": embedder.cache_key, "no_embedding": _flag_unembedded(targets, ok)}
    targets, feats = [it for it, good in zip(targets, ok) if good], feats[ok]
    stats["zeroshot"] = _screen_zeroshot(embedder, targets, feats, cfg.zeroshot)
    keep = np.array([it.status == "kept" for it in targets], bool)
    targets, feats = [it for it, k in zip(targets, keep) if k], feats[keep]
    if len(targets) < 2:
        raise CuratorError(f"only {len(targets)} items left to cluster after zero-shot screening")

    z = analysis_space(feats, cfg.pca_dims)
    clustering, labels = _cluster(z, cfg)
    for it, c, label in zip(targets, clustering.labels.tolist(), labels):
        it.cluster = c
        if not (it.review and it.review.decision == "relabel" and it.review.label):
            it.label = label
    sims, idx = nearest(z, cfg.outlier_neighbours)
    outlier = _flag_outliers(targets, sims, cfg.outlier_z)
    # Neighbours are found in the reduced space, but judged as duplicates by the full embedding's cosine,
    # which centring and PCA have not stretched.
    stats["embedding_duplicate_groups"] = _flag_duplicates(targets, pair_cosine(feats, idx), idx, cfg.near_duplicate_cosine)
    stats.update(k=clustering.k, k_method=clustering.method, k_candidates=clustering.candidates,
                 clusters=dict(sorted(Counter(labels).items())), outliers=int(outlier.sum()))

    params = {**cfg.model_dump(mode="json"), "embedder_key": embedder.cache_key, "device": str(embedder.device)}
    path, is_new, manifest = ws.manifests.commit(parent, STAGE, params, items, stats)
    stats = {**manifest.summary(), **stats}  # also when the version existed: it may be a parent of another stage
    report_dir = ws.root / "reports" / f"cluster-{manifest.id[:12]}"
    if is_new or not (report_dir / "config.json").is_file():
        write_report(report_dir, ReportInput(z, labels, clustering.labels, clustering.centres,
                                             [ws.root / it.object for it in targets], outlier),
                     {"manifest": manifest.id, **stats}, cfg.report_exemplars, cfg.map_max_points)
        write_text(report_dir / "config.json", json.dumps(params, indent=1, sort_keys=True) + "\n")
    return ClusterResult(manifest, path, report_dir, clustering, stats, is_new)


def _reset(item: Item) -> Item:
    """Drop what an earlier cluster run recorded, so re-clustering a clustered version starts clean."""
    item.flags = [f for f in item.flags if f.stage != STAGE]
    ours = [r for r in item.reasons if r.stage == STAGE]
    if ours:
        item.reasons = [r for r in item.reasons if r.stage != STAGE]
        if not item.reasons:
            item.status = "kept"
    item.scores = {k: v for k, v in item.scores.items() if k not in _OWN_SCORES and not k.startswith("zs:")}
    item.cluster = None
    if not (item.review and item.review.decision == "relabel"):
        item.label = None
    return item


def _flag_unembedded(targets: list[Item], ok: np.ndarray) -> int:
    for it, good in zip(targets, ok):
        if not good:
            it.flags.append(Reason(code="no_embedding", stage=STAGE, detail="the stored image could not be decoded for embedding"))
    return int((~ok).sum())


def _screen_zeroshot(embedder: Embedder, targets: list[Item], feats: np.ndarray, cfg: ZeroShotConfig) -> dict[str, Any]:
    encode_text = getattr(embedder, "encode_text", None)
    if encode_text is None or not cfg.prompts:
        return {"skipped": "needs the clip embedder" if cfg.prompts else "no prompts configured"}
    scores = zeroshot_scores(feats, encode_text, embedder.logit_scale, cfg)
    flagged: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for name, probs in scores.items():
        rule = cfg.prompts[name]
        for it, p in zip(targets, probs.tolist()):
            it.scores[f"zs:{name}"] = round(p, 5)
            reason = Reason(code=f"zeroshot_{name}", stage=STAGE, detail=f"CLIP: looks like '{rule.text}'", score=round(p, 5))
            if rule.reject is not None and p >= rule.reject:
                it.reject(reason.model_copy(update={"threshold": rule.reject}))
                rejected[name] += 1
            elif rule.flag is not None and p >= rule.flag:
                it.flags.append(reason.model_copy(update={"threshold": rule.flag}))
                flagged[name] += 1
    return {"flagged": dict(flagged), "rejected": dict(rejected)}


def _cluster(z: np.ndarray, cfg: ClusterConfig) -> tuple[Clustering, list[str]]:
    top = cluster(z, cfg.k, cfg.k_method, cfg.k_max, cfg.seeds)
    if not cfg.second_level:
        return top, [str(c) for c in top.labels.tolist()]
    sub = second_level(z, top.labels, cfg.second_level_k_max, cfg.second_level_min_size, cfg.seeds)
    return top, [f"{c}.{s}" for c, s in zip(top.labels.tolist(), sub.tolist())]


def _flag_outliers(targets: list[Item], sims: np.ndarray, z: float) -> np.ndarray:
    scores = outlier_scores(sims)
    threshold = outlier_threshold(scores, z)
    for it, s, top in zip(targets, scores.tolist(), sims[:, 0].tolist() if sims.shape[1] else [None] * len(targets)):
        it.scores["outlier"] = round(s, 5)
        if top is not None:
            it.scores["nearest_cosine"] = round(top, 5)
        if s > threshold:
            it.flags.append(Reason(code="outlier", stage=STAGE, detail="far from its nearest neighbours in embedding space",
                                   score=round(s, 5), threshold=round(threshold, 5)))
    return scores > threshold


def _flag_duplicates(targets: list[Item], sims: np.ndarray, idx: np.ndarray, threshold: float) -> int:
    groups = duplicate_groups(sims, idx, threshold)
    for it, best in zip(targets, sims.max(axis=1, initial=-1.0).tolist()):
        it.scores["duplicate_cosine"] = round(best, 5)
    for members in groups:
        for m in members:
            others = [targets[o].id[:12] for o in members if o != m]
            detail = f"embedding near-duplicate of {len(others)} item(s): {', '.join(others[:5])}"
            it = targets[m]
            it.flags.append(Reason(code="embedding_duplicate", stage=STAGE, detail=detail,
                                   score=it.scores["duplicate_cosine"], threshold=threshold))
    return len(groups)
