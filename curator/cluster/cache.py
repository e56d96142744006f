"""Embeddings kept in the workspace: one vector per (object id, model, preprocessing).

Each (model, preprocessing) key has its own folder under ``cache/embeddings/``, named by a
digest of the key, holding append-only shards: ``NNNNN.npy`` (float32 rows) and
``NNNNN.ids`` (the object id of each row). The ``.ids`` file is written after its ``.npy``, so
a shard whose ids are visible is complete; an interrupted run keeps every finished shard.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from commons.atomic import write_bytes, write_text
from commons.hashing import sha256_bytes


class EmbeddingCache:
    def __init__(self, root: Path, key: str) -> None:
        self.key = key
        self.dir = root / sha256_bytes(key.encode())[:16]
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (self.dir / "key.txt").is_file():
            write_text(self.dir / "key.txt", key + "\n")
        self._where: dict[str, tuple[Path, int]] = {}
        for ids_file in sorted(self.dir.glob("*.ids")):
            for row, oid in enumerate(ids_file.read_text().split()):
                self._where[oid] = (ids_file.with_suffix(".npy"), row)

    def __contains__(self, oid: str) -> bool:
        return oid in self._where

    def __len__(self) -> int:
        return len(self._where)

    def missing(self, ids: list[str]) -> list[str]:
        return [oid for oid in ids if oid not in self._where]

    def get(self, ids: list[str]) -> np.ndarray:
        """Rows for `ids`, all of which must be cached, in the order given."""
        by_shard: dict[Path, list[tuple[int, int]]] = {}
        for i, oid in enumerate(ids):
            shard, row = self._where[oid]
            by_shard.setdefault(shard, []).append((i, row))
        out: np.ndarray | None = None
        for shard, pairs in by_shard.items():
            data = np.load(shard, mmap_mode="r")
            if out is None:
                out = np.empty((len(ids), data.shape[1]), np.float32)
            dst, src = zip(*pairs)
            out[list(dst)] = data[list(src)]
        return out if out is not None else np.empty((0, 0), np.float32)

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        if not ids:
            return
        seq = len(list(self.dir.glob("*.ids")))
        stem = self.dir / f"{seq:05d}"
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(vectors, dtype=np.float32))
        write_bytes(stem.with_suffix(".npy"), buf.getvalue())
        write_text(stem.with_suffix(".ids"), "\n".join(ids) + "\n")
        for row, oid in enumerate(ids):
            self._where[oid] = (stem.with_suffix(".npy"), row)
