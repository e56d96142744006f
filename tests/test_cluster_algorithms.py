"""X-means, k choice, outliers and near-duplicate grouping on data with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from curator.cluster.eigengap import eigengap_k
from curator.cluster.kmeans import cluster, second_level, silhouette_k
from curator.cluster.near_duplicates import duplicate_groups
from curator.cluster.neighbours import nearest
from curator.cluster.outliers import outlier_scores, outlier_threshold
from curator.cluster.space import analysis_space
from curator.cluster.xmeans import bic, xmeans_k


def test_xmeans_finds_the_number_of_blobs():
    x, _ = make_blobs(300, 16, centers=5, cluster_std=1.0, center_box=(-15, 15), random_state=5)
    k, runs = xmeans_k(x, k_max=15, seeds=2)
    assert k == 5
    assert runs == [5, 5]


def test_bic_prefers_the_true_split_over_one_cluster():
    x, y = make_blobs(200, 4, centers=2, cluster_std=0.5, center_box=(-10, 10), random_state=1)
    centres = np.stack([x[y == c].mean(axis=0) for c in (0, 1)])
    one = bic(x, np.zeros(len(x), int), x.mean(axis=0, keepdims=True))
    assert bic(x, y, centres) > one


def test_cluster_recovers_labels_and_numbers_by_size():
    x, y = make_blobs([120, 60, 30], 6, cluster_std=0.8, center_box=(-12, 12), random_state=3)
    result = cluster(x, method="xmeans", k_max=10, seeds=3)
    assert result.k == 3 and result.method == "xmeans"
    assert adjusted_rand_score(y, result.labels) == pytest.approx(1.0)
    assert list(np.bincount(result.labels)) == [120, 60, 30]  # cluster 0 is the largest
    fixed = cluster(x, k=5)
    assert fixed.k == 5 and fixed.method == "fixed" and len(np.unique(fixed.labels)) == 5


def test_eigengap_finds_families_that_have_sub_groups():
    # 4 families far apart, each made of 5 tight sub-groups of 8 (like the sample corpus's accessories):
    # BIC splits the sub-groups, the eigengap should not
    rng = np.random.default_rng(0)
    families = rng.normal(0, 12, (4, 8))
    subs = families[:, None, :] + rng.normal(0, 1.5, (4, 5, 8))
    x = np.concatenate([sub + rng.normal(0, 0.3, (8, 8)) for sub in subs.reshape(-1, 8)])
    family = np.repeat(np.arange(4), 40)
    k, eigenvalues = eigengap_k(x, k_max=15)
    assert k == 4 and len(eigenvalues) == 16
    assert xmeans_k(x, k_max=15, seeds=1)[0] > 4
    result = cluster(x, k_max=15)  # eigengap is the default
    assert result.method == "eigengap" and adjusted_rand_score(family, result.labels) == pytest.approx(1.0)


def test_silhouette_picks_k():
    x, _ = make_blobs(300, 5, centers=4, cluster_std=0.6, center_box=(-10, 10), random_state=7)
    k, scores = silhouette_k(x, k_max=8)
    assert k == 4
    assert set(scores) == {str(i) for i in range(2, 9)}


def test_second_level_splits_only_clusters_with_structure():
    rng = np.random.default_rng(0)
    split = np.concatenate([rng.normal(-0.6, 0.1, (60, 3)), rng.normal(0.6, 0.1, (60, 3))])  # two tight sub-blobs
    whole = rng.normal(0, 0.3, (60, 3)) + 20  # one round blob far away
    x = np.concatenate([split, whole])
    top = np.array([0] * 120 + [1] * 60)
    sub = second_level(x, top, k_max=4, min_size=20, seeds=3)
    assert len(np.unique(sub[:120])) == 2
    assert len(np.unique(sub[120:])) == 1


def test_outliers_and_duplicate_groups():
    rng = np.random.default_rng(1)
    base, _ = make_blobs(50, 16, centers=3, cluster_std=0.3, center_box=(-5, 5), random_state=2)
    copies = base[:3] + rng.normal(0, 1e-3, (3, 16))
    loner = rng.normal(0, 10, (1, 16))  # a direction no other point shares
    x = np.concatenate([base, copies, loner])
    z = analysis_space(x, pca_dims=8)
    sims, idx = nearest(z, 5)
    scores = outlier_scores(sims)
    assert int(np.argmax(scores)) == len(x) - 1
    assert scores[-1] > outlier_threshold(scores, 3.5)
    assert (scores > outlier_threshold(scores, 3.5)).sum() <= 3  # the loner, and at most a couple of blob edges
    groups = duplicate_groups(sims, idx, 0.9999)
    assert sorted(map(sorted, groups)) == [[0, 50], [1, 51], [2, 52]]
