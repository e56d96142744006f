"""Connected components of "these two belong together" links, for every kind of duplicate grouping."""

from __future__ import annotations

import numpy as np


def connected_groups(n: int, pairs: np.ndarray) -> list[list[int]]:
    """Components of two or more of the nodes 0..n-1 linked by `pairs` (k, 2): members ascending, by first member."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    members: dict[int, list[int]] = {}
    for index in np.flatnonzero(np.bincount(labels)[labels] > 1).tolist():
        members.setdefault(int(labels[index]), []).append(index)
    return sorted(members.values(), key=lambda group: group[0])
