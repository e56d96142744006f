"""k from the eigengap of a nearest-neighbour graph (von Luxburg, "A tutorial on spectral clustering", 2007, 8.3).

A graph made of c groups with few edges between them has c eigenvalues of its normalised
Laplacian near 0, then a jump. Linking every item to its nearest neighbours joins the small
sub-groups inside a family (accessories, poses) while families stay apart, so the jump sits at
the coarse, well-separated level: the level that should become classes. The neighbour count
grows as sqrt(n) (bounded), so a graph of a few dozen items does not join whole families. Gaussian BIC (X-means)
instead keeps splitting while any sub-group is real, which it is in character data.
The graph is built on a random sample, so the cost is fixed whatever the number of items.
"""

from __future__ import annotations

import numpy as np

MIN_NEIGHBOURS, MAX_NEIGHBOURS = 5, 30
SAMPLE = 2000  # a dense eigen-solve on this many items takes about a second


def eigengap_k(x: np.ndarray, k_max: int, seed: int = 0) -> tuple[int, list[float]]:
    """The k in 1..k_max after which the Laplacian's eigenvalues jump most, and the eigenvalues seen."""
    from scipy.linalg import eigh
    from sklearn.neighbors import kneighbors_graph

    if len(x) > SAMPLE:
        x = x[np.random.default_rng(seed).choice(len(x), SAMPLE, replace=False)]
    k_max = min(k_max, len(x) - 2)
    if k_max < 1:
        return 1, []
    neighbours = min(len(x) - 1, max(MIN_NEIGHBOURS, min(MAX_NEIGHBOURS, round(np.sqrt(len(x))))))
    graph = kneighbors_graph(x, neighbours, include_self=False)
    adjacency = (graph + graph.T > 0).astype(np.float64).toarray()  # symmetric: a link either way counts
    scale = 1 / np.sqrt(adjacency.sum(axis=1))
    laplacian = np.eye(len(x)) - scale[:, None] * adjacency * scale[None, :]
    eigenvalues = eigh(laplacian, eigvals_only=True, subset_by_index=[0, k_max])
    k = 1 + int(np.argmax(np.diff(eigenvalues)))
    return k, [round(float(v), 4) for v in eigenvalues]
