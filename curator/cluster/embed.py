"""Batched embedding: DataLoader workers read and decode (through curator.imageio), the main process runs the model."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from curator.cluster.cache import EmbeddingCache
from curator.cluster.embedders.base import Embedder, ImagePrep
from curator.imageio import ImageRejected, decode_rgb

# Finished embeddings are saved at least this often, so an interrupted run resumes.
SAVE_EVERY = 2048


class StoredImages(Dataset):
    """Object files -> (prepared tensor, decoded ok). A file that fails to decode gives zeros and False."""

    def __init__(self, paths: list[Path], prep: ImagePrep) -> None:
        self.paths = paths
        self.prep = prep

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, bool]:
        try:
            return self.prep(decode_rgb(self.paths[i].read_bytes())), True
        except (ImageRejected, OSError):
            return torch.zeros(3, self.prep.size, self.prep.size), False


def default_workers(n_images: int, batch_size: int) -> int:
    # Worker start-up is slow (torch imports); tiny jobs decode faster in-process.
    if n_images < 4 * batch_size:
        return 0
    return min(4, os.cpu_count() or 1)


def loader(paths: list[Path], prep: ImagePrep, batch_size: int, workers: int, pin: bool = False) -> DataLoader:
    return DataLoader(
        StoredImages(paths, prep), batch_size=batch_size, num_workers=workers, pin_memory=pin,
        prefetch_factor=4 if workers else None,
    )


def embed(
    embedder: Embedder,
    ids: list[str],
    paths: list[Path],
    cache: EmbeddingCache,
    batch_size: int = 32,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings for `ids` (rows in order) and a mask of those that decoded; only uncached ones are computed."""
    where = {oid: p for oid, p in zip(ids, paths)}
    todo = cache.missing(list(dict.fromkeys(ids)))
    failed: set[str] = set()
    if todo:
        n_workers = default_workers(len(todo), batch_size) if workers is None else workers
        batches = loader([where[o] for o in todo], embedder.prep, batch_size, n_workers, pin=embedder.device.type == "cuda")
        done, pending_ids, pending = 0, [], []
        for batch, ok in batches:
            feats = embedder.forward(batch).cpu().numpy()
            chunk = todo[done:done + len(batch)]
            done += len(batch)
            for oid, good, vec in zip(chunk, ok.tolist(), feats):
                if good:
                    pending_ids.append(oid)
                    pending.append(vec)
                else:
                    failed.add(oid)
            if len(pending_ids) >= SAVE_EVERY:
                cache.add(pending_ids, np.stack(pending))
                pending_ids, pending = [], []
            if on_progress:
                on_progress(done, len(todo))
        if pending_ids:
            cache.add(pending_ids, np.stack(pending))
    ok_mask = np.array([oid not in failed for oid in ids], bool)
    good_ids = [oid for oid, good in zip(ids, ok_mask) if good]
    vectors = cache.get(good_ids)
    out = np.zeros((len(ids), vectors.shape[1] if vectors.size else 0), np.float32)
    out[ok_mask] = vectors
    return out, ok_mask
