"""Reads a training set in the official layout: a ZIP (or folder) of PNGs plus `dataset.json`.

Batches are drawn from a seeded sequence of permutations, so batch k is a pure function of
(seed, k): a resumed run sees exactly the batches an uninterrupted one would have.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from functools import cached_property
from itertools import count
from pathlib import Path

import numpy as np
import torch
from PIL import Image


MAX_SIDE = 1024  # the largest resolution the networks are built for
MAX_MEMBER_BYTES = 64 << 20  # one image or dataset.json, unpacked


class ImageZipDataset:
    """Images as uint8 CHW arrays and one-hot labels; `mirror` adds an x-flipped copy of each."""

    def __init__(self, path: str | Path, mirror: bool = False, use_labels: bool = False) -> None:
        self.path = Path(path)
        self.mirror = mirror
        self._zip: zipfile.ZipFile | None = None
        self._zip_pid = 0
        names = sorted(n for n in self._names() if n.lower().endswith(".png"))
        if not names:
            raise ValueError(f"{self.path}: no PNG images")
        self.names = names
        meta = self._json("dataset.json") or {}
        labels = meta.get("labels")
        self.class_names: list[str] = (self._json("curator.json") or {}).get("classes") or []
        if use_labels:
            if not labels:
                raise ValueError(f"{self.path}: dataset.json has no labels; export with --cond")
            try:
                by_name = dict((n, int(c)) for n, c in labels)
                self.labels = np.array([by_name[n] for n in names], dtype=np.int64)
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{self.path}: dataset.json labels do not match its images ({type(exc).__name__}: {exc})") from None
            if self.labels.min() < 0 or self.labels.max() >= 100_000:
                raise ValueError(f"{self.path}: dataset.json class indices must be 0 to 99,999")
            self.c_dim = max(len(self.class_names), int(self.labels.max()) + 1)
        else:
            self.labels = np.zeros(len(names), dtype=np.int64)
            self.c_dim = 0
        first = self._image(0)
        self.img_channels, self.resolution = first.shape[0], first.shape[1]

    def _names(self) -> list[str]:
        if self.path.is_dir():
            return [p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()]
        try:
            with zipfile.ZipFile(self.path) as zf:
                return zf.namelist()
        except zipfile.BadZipFile as exc:
            raise ValueError(f"{self.path}: not a training-set ZIP ({exc})") from None

    def _read(self, name: str) -> bytes | None:
        if self.path.is_dir():
            p = self.path / name
            return p.read_bytes() if p.is_file() else None
        if self._zip is None or self._zip_pid != os.getpid():
            # One handle per process: forked DataLoader workers sharing the parent's file
            # offset would read each other's positions ("Bad magic number").
            self._zip, self._zip_pid = zipfile.ZipFile(self.path), os.getpid()
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_MEMBER_BYTES:  # a deflate bomb would otherwise be inflated into memory
            raise ValueError(f"{self.path}: {name} unpacks to {info.file_size:,} bytes; a training image is at most "
                             f"{MAX_MEMBER_BYTES:,}")
        return self._zip.read(info)

    def _json(self, name: str) -> dict | None:
        data = self._read(name)
        try:
            return json.loads(data) if data else None
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{self.path}: {name} is not valid JSON ({str(exc)[:100]})") from None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_zip": None}  # spawned workers open their own

    def __len__(self) -> int:
        return len(self.names) * (2 if self.mirror else 1)

    @cached_property
    def manifest_id(self) -> str | None:
        return (self._json("curator.json") or {}).get("manifest_id")

    def _image(self, raw_idx: int) -> np.ndarray:
        name = self.names[raw_idx]
        try:
            with Image.open(io.BytesIO(self._read(name) or b"")) as opened:
                # Checked from the header, before decoding: a 20000 x 20000 PNG of zeros is 100 KB.
                w, h = opened.size
                if max(w, h) > MAX_SIDE:
                    raise ValueError(f"{self.path}: {name} is {w}x{h}; training images are at most {MAX_SIDE}x{MAX_SIDE}")
                img = np.asarray(opened)
        except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ValueError(f"{self.path}: {name} is not a readable PNG ({exc})") from None
        img = img[:, :, None] if img.ndim == 2 else img
        return img.transpose(2, 0, 1)

    def image(self, idx: int) -> np.ndarray:
        raw = idx % len(self.names)
        img = self._image(raw)
        return img[:, :, ::-1].copy() if idx >= len(self.names) else img

    def label(self, idx: int) -> np.ndarray:
        onehot = np.zeros(self.c_dim, dtype=np.float32)
        if self.c_dim:
            onehot[self.labels[idx % len(self.names)]] = 1
        return onehot


class BatchSequence(torch.utils.data.Dataset):
    """Item k is batch k of an endless shuffled stream: (uint8 images NCHW, float labels NC)."""

    def __init__(self, dataset: ImageZipDataset, batch: int, seed: int) -> None:
        self.dataset, self.batch, self.seed = dataset, batch, seed

    def indices(self, step: int) -> list[int]:
        n = len(self.dataset)
        out: list[int] = []
        pos = step * self.batch
        while len(out) < self.batch:
            epoch, offset = divmod(pos, n)
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed * 1_000_003 + epoch))
            take = perm[offset: offset + self.batch - len(out)].tolist()
            out += take
            pos += len(take)
        return out

    def __len__(self) -> int:
        return 2 ** 62  # endless; the training loop decides when to stop

    def __getitem__(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = self.indices(step)
        images = np.stack([self.dataset.image(i) for i in idx])
        labels = np.stack([self.dataset.label(i) for i in idx])
        return torch.from_numpy(images), torch.from_numpy(labels)


def batch_loader(sequence: BatchSequence, start_step: int, workers: int) -> torch.utils.data.DataLoader:
    """Batches start_step, start_step + 1, ...; workers decode PNGs ahead of the GPU.

    The loader gets its own generator: by default it would draw its workers' seed from the
    global RNG, and a resumed run would then diverge from an uninterrupted one.
    """
    return torch.utils.data.DataLoader(sequence, batch_size=None, sampler=count(start_step), num_workers=workers,
                                       prefetch_factor=2 if workers else None, generator=torch.Generator())
