"""Benchmarks for `curator cluster`: embedding throughput, clustering at 100,000 items, clustering quality.

    .venv/bin/python benchmarks/bench_cluster.py [throughput|scale|quality|all]

throughput: images/s of the full embed() pipeline (DataLoader workers decoding from files, cache
            writes) against the bare model forward on the same, already prepared batches.
scale:      100,000 synthetic 1280-d embeddings through PCA, eigengap k choice, k-means++,
            neighbours, outliers and near-duplicate groups; wall time and peak RSS (own process).
quality:    NMI/ARI and k error on the sample corpus's characters (real MobileNetV2 when
            TORCH_HOME has it, else skipped) and on labelled Gaussian sets with known k.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _corpus(root: Path, per_family: int) -> tuple[list[Path], list[str]]:
    from curator.sample import CorpusSpec, generate_corpus

    labels = generate_corpus(root, CorpusSpec(per_family=per_family, size=256, exact_duplicates=0, near_duplicates=0, junk=False))
    names = sorted(n for n, lab in labels.items() if lab["kind"] == "character")
    return [root / n for n in names], [labels[n]["family"] for n in names]


def throughput(n_images: int = 240, batch: int = 32, repeats: int = 3) -> None:
    import torch

    from curator.cluster.cache import EmbeddingCache
    from curator.cluster.embed import default_workers, embed
    from curator.cluster.embedders.registry import create_embedder
    from curator.imageio import decode_rgb

    with tempfile.TemporaryDirectory() as tmp:
        paths, _ = _corpus(Path(tmp) / "corpus", n_images // 5)
        for arch in ("mobilenet_v2", "resnet50"):
            emb = create_embedder(f"torchvision:{arch}", pretrained=False)
            prepared = [emb.prep(decode_rgb(p.read_bytes())) for p in paths]
            batches = [torch.stack(prepared[i:i + batch]) for i in range(0, len(prepared), batch)]
            emb.forward(batches[0])  # warm-up
            bare, full = [], []
            for r in range(repeats):
                t = time.perf_counter()
                for b in batches:
                    emb.forward(b)
                bare.append(time.perf_counter() - t)
                cache = EmbeddingCache(Path(tmp) / f"cache-{arch}-{r}", emb.cache_key)
                ids = [f"{i:064x}" for i in range(len(paths))]
                t = time.perf_counter()
                embed(emb, ids, paths, cache, batch_size=batch)
                full.append(time.perf_counter() - t)
            b, f = statistics.median(bare), statistics.median(full)
            print(f"throughput {arch}: {len(paths)} images, batch {batch}, workers {default_workers(len(paths), batch)}: "
                  f"bare forward {len(paths) / b:.1f} img/s, full pipeline {len(paths) / f:.1f} img/s, "
                  f"ratio {b / f:.3f} (median of {repeats})")


def scale(n: int = 100_000, dims: int = 1280, true_k: int = 12) -> None:
    from curator.cluster.kmeans import cluster
    from curator.cluster.near_duplicates import duplicate_groups
    from curator.cluster.neighbours import nearest, pair_cosine
    from curator.cluster.outliers import outlier_scores, outlier_threshold
    from curator.cluster.space import analysis_space

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (true_k, dims)).astype(np.float32)
    y = rng.integers(0, true_k, n)
    x = centres[y]
    for start in range(0, n, 10_000):  # float32 in chunks: no float64 copy of the whole set
        x[start:start + 10_000] += rng.standard_normal((min(10_000, n - start), dims), dtype=np.float32) * 0.6
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    z = analysis_space(x, 64)
    t1 = time.perf_counter()
    result = cluster(z, method="eigengap", k_max=20, seeds=5)
    t2 = time.perf_counter()
    sims, idx = nearest(z, 5)
    thr = outlier_threshold(outlier_scores(sims), 3.5)
    groups = duplicate_groups(pair_cosine(x, idx), idx, 0.97)
    t3 = time.perf_counter()
    from sklearn.metrics import adjusted_rand_score

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale: {n} x {dims} embeddings: PCA {t1 - t0:.1f} s, eigengap k + k-means++(5 restarts) {t2 - t1:.1f} s "
          f"(k={result.k}, true {true_k}, ARI {adjusted_rand_score(y, result.labels):.3f}), "
          f"neighbours+outliers+duplicates {t3 - t2:.1f} s (threshold {thr:.3f}, {len(groups)} groups); "
          f"total {t3 - t0:.1f} s wall, {time.process_time() - cpu0:.0f} s CPU; peak RSS {peak:.0f} MiB (input array alone {x.nbytes / 2**20:.0f} MiB, RSS before {rss0:.0f} MiB)")


def quality() -> None:
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score as ari
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from curator.cluster.kmeans import cluster
    from curator.cluster.space import analysis_space

    errors = {"eigengap": [], "xmeans": [], "silhouette": []}
    for true_k in (3, 5, 8, 12):
        for seed in range(3):
            x, _ = make_blobs(1500, 32, centers=true_k, cluster_std=2.0, center_box=(-10, 10), random_state=seed)
            for method in errors:
                errors[method].append(abs(cluster(x, method=method, k_max=20, seeds=3).k - true_k))
    for method, errs in errors.items():
        print(f"quality blobs ({method}): mean |k - true k| {np.mean(errs):.2f} over {len(errs)} sets (k in 3,5,8,12; 1500 x 32-d)")
    _quality_corpus(nmi, ari, cluster, analysis_space)


def _quality_corpus(nmi, ari, cluster, analysis_space) -> None:
    from curator.cluster.cache import EmbeddingCache
    from curator.cluster.embed import embed
    from curator.cluster.embedders.registry import create_embedder
    from curator.errors import MissingWeightsError

    with tempfile.TemporaryDirectory() as tmp:
        paths, fams = _corpus(Path(tmp) / "corpus", 24)
        ids = [f"{i:064x}" for i in range(len(paths))]
        for name, opts in (("torchvision:mobilenet_v2", {}), ("pixels", {}), ("sobel", {"backbone": "mobilenet_v2"})):
            try:
                emb = create_embedder(name, **opts)
            except MissingWeightsError as exc:
                print(f"quality corpus {name}: skipped ({exc})")
                continue
            feats, _ = embed(emb, ids, paths, EmbeddingCache(Path(tmp) / "cache", emb.cache_key))
            z = analysis_space(feats, 64)
            for method in ("eigengap", "xmeans", "silhouette"):
                res = cluster(z, method=method, k_max=20, seeds=5)
                print(f"quality corpus {name} ({method}): {len(paths)} characters, 5 families: k={res.k} (error {abs(res.k - 5)}), "
                      f"NMI {nmi(fams, res.labels):.3f}, ARI {ari(fams, res.labels):.3f}")
            fixed = cluster(z, k=5, seeds=5)
            print(f"quality corpus {name} (k=5 fixed): NMI {nmi(fams, fixed.labels):.3f}, ARI {ari(fams, fixed.labels):.3f}")


PARTS = {"throughput": throughput, "scale": scale, "quality": quality}

if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part == "all":
        # Each part in its own process, so peak RSS belongs to that part alone.
        for name in PARTS:
            subprocess.run([sys.executable, __file__, name], check=True)
    else:
        PARTS[part]()
