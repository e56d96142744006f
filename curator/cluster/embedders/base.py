"""What every embedder is: picklable preprocessing plus a model whose forward gives one vector per image.

numpy, torch and PIL are imported where they are used: the embedder modules declare the
`[cluster.<name>]` sections, and reading curator.toml must not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ImagePrep:
    """RGB image -> normalised CHW tensor. Frozen and plain so DataLoader workers can run it."""

    size: int
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    edges: bool = False  # Sobel gradient magnitude instead of colour (YuruGAN's edge variant)
    crop: bool = True  # shorter side to `size` then centre crop; False squashes to size x size

    def key(self) -> str:
        """Identifies the preprocessing in the embedding cache key."""
        mode = "edges" if self.edges else "rgb"
        fit = "crop" if self.crop else "squash"
        mean = ",".join(f"{m:.4f}" for m in self.mean)
        std = ",".join(f"{s:.4f}" for s in self.std)
        return f"{mode}-{fit}-{self.size}-m{mean}-s{std}"

    def __call__(self, img: Image.Image) -> torch.Tensor:
        import numpy as np
        import torch

        img = _fit(img, self.size, self.crop)
        arr = np.asarray(img, dtype=np.float32) / 255.0
        if self.edges:
            arr = np.repeat(_sobel_magnitude(arr.mean(axis=2))[:, :, None], 3, axis=2)
        arr = (arr - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _fit(img: Image.Image, size: int, crop: bool) -> Image.Image:
    from PIL import Image

    if not crop:
        return img.resize((size, size), Image.Resampling.BICUBIC)
    w, h = img.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    img = img.resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    return img.crop((left, top, left + size, top + size))


def _sobel_magnitude(gray: np.ndarray) -> np.ndarray:
    import numpy as np
    from scipy import ndimage

    mag = np.hypot(ndimage.sobel(gray, axis=0), ndimage.sobel(gray, axis=1))
    top = float(mag.max())
    return mag / top if top > 0 else mag


class Embedder:
    """A model plus the preprocessing its inputs need.

    `identity` names the model and its weights; together with `prep.key()` it keys the cache,
    so changing either one never reuses a stale embedding.
    """

    def __init__(self, name: str, identity: str, model: torch.nn.Module, prep: ImagePrep) -> None:
        import torch

        self.name = name
        self.identity = identity
        self.model = model.eval()
        self.prep = prep
        self.device = torch.device("cpu")

    @property
    def cache_key(self) -> str:
        return f"{self.identity}|{self.prep.key()}"

    def to(self, device: torch.device) -> "Embedder":
        self.device = device
        self.model.to(device)
        return self

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        """The bare model forward pass: a batch of prepared images -> [B, D] float features."""
        import torch

        with torch.inference_mode():
            return self.features(batch.to(self.device, non_blocking=True)).flatten(1).float()

    def features(self, batch: torch.Tensor) -> torch.Tensor:
        """The model's output for a batch on its device (CLIP asks its image tower)."""
        return self.model(batch)

