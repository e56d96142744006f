"""Where evaluation images come from: a training-set ZIP, a manifest, or a generator.

Every source yields uint8 [N, 3, H, W] batches on the CPU. Real images are decoded through
`curator.imageio`, like every other stage.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from curator.errors import CuratorError
from curator.export.images import resize, square
from curator.generate.sampling import to_uint8
from curator.imageio import decode_rgb
from commons.hashing import sha256_file

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def _to_tensor(img: Image.Image) -> Tensor:
    return torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1)


def _batched(images: Iterable[Tensor], batch: int) -> Iterator[Tensor]:
    images = iter(images)  # islice on a list would restart at its head every time
    while chunk := list(islice(images, batch)):
        yield torch.stack(chunk)


@dataclass
class ZipImages:
    """A training set in the official layout: a ZIP of images plus an optional dataset.json with labels."""

    path: Path
    names: list[str] = field(init=False)
    labels: list[int] | None = field(init=False)
    resolution: int = field(init=False)

    def __post_init__(self) -> None:
        if not zipfile.is_zipfile(self.path):
            raise CuratorError(f"{self.path} is not a ZIP dataset")
        with zipfile.ZipFile(self.path) as zf:
            self.names = sorted(n for n in zf.namelist() if n.lower().endswith(_IMAGE_SUFFIXES))
            if not self.names:
                raise CuratorError(f"{self.path} holds no images")
            self.labels = self._read_labels(zf)
            self.resolution = decode_rgb(zf.read(self.names[0])).width

    def _read_labels(self, zf: zipfile.ZipFile) -> list[int] | None:
        if "dataset.json" not in zf.namelist():
            return None
        labels = json.loads(zf.read("dataset.json")).get("labels")
        return sorted({int(label) for _, label in labels}) if labels else None

    @property
    def identity(self) -> str:
        return f"zip:{sha256_file(self.path)}"

    @property
    def count(self) -> int:
        return len(self.names)

    def batches(self, batch: int) -> Iterator[Tensor]:
        with zipfile.ZipFile(self.path) as zf:
            yield from _batched((self._read(zf, n) for n in self.names), batch)

    def _read(self, zf: zipfile.ZipFile, name: str) -> Tensor:
        img = decode_rgb(zf.read(name))
        if img.size != (self.resolution, self.resolution):
            raise CuratorError(f"{self.path}:{name} is {img.width}x{img.height}, not {self.resolution}x{self.resolution}")
        return _to_tensor(img)


@dataclass
class ManifestImages:
    """The kept items of a manifest, centre-cropped and resized to the generator's resolution."""

    root: Path  # workspace root; item.object is relative to it
    manifest_id: str
    objects: list[str]
    resolution: int
    labels: list[int] | None = None

    @property
    def identity(self) -> str:
        return f"manifest:{self.manifest_id}:{self.resolution}"

    @property
    def count(self) -> int:
        return len(self.objects)

    def batches(self, batch: int) -> Iterator[Tensor]:
        decoded = (decode_rgb((self.root / o).read_bytes()) for o in self.objects)
        yield from _batched((_to_tensor(resize(square(img, "crop"), self.resolution)) for img in decoded), batch)


@torch.inference_mode()
def generated_batches(G: torch.nn.Module, num: int, batch: int, seed: int, device: torch.device,
                      labels: list[int] | None = None) -> Iterator[Tensor]:
    """`num` images from random latents (and labels drawn from `labels` when G is conditional).

    G runs in eval mode (restored afterwards): in training mode the mapping network would fold
    these latents into its running average w, changing the model being measured.
    """
    gen = torch.Generator().manual_seed(seed)
    classes = torch.tensor(labels if labels else range(max(G.c_dim, 1)))
    was_training = G.training
    G.eval()
    try:
        for start in range(0, num, batch):
            n = min(batch, num - start)
            z = torch.randn(n, G.z_dim, generator=gen).to(device)
            c = torch.zeros(n, G.c_dim, device=device)
            if G.c_dim:
                picks = classes[torch.randint(len(classes), (n,), generator=gen)]
                c[torch.arange(n), picks.to(device)] = 1
            yield to_uint8(G(z, c, noise_mode="const")).cpu()
    finally:
        G.train(was_training)
