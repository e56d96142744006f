"""How images become Inception input: the resize and quantisation protocol.

FID numbers are only comparable under the same protocol (Parmar et al., "On Aliased Resizing
and Surprising Subtleties in GAN Evaluation", 2022). Every protocol takes uint8 images
[N, C, H, W] (C = 1 or 3) and returns float [N, 3, 299, 299] in about [-1, 1].

- ``legacy-tf``: what pytorch-fid does, and so what most published PyTorch FIDs used: uint8 ->
  [0, 1] float, bilinear resize to 299 inside the network (``align_corners=False``, no
  antialiasing), then ``2x - 1``. Given the same weights and images, curator's FID equals
  pytorch-fid's.
- ``clean``: clean-fid's protocol: each channel resized as a float image with PIL's antialiased
  bicubic filter *before* the network, clipped to [0, 255], then ``(x - 128) / 128`` as in the
  TensorFlow graph. Downsampling without aliasing makes the score track image content rather than
  resize artefacts. At 299x299 input it is the identity resize, which is also torch-fidelity's
  input exactly.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

SIZE = 299

Protocol = Callable[[Tensor], Tensor]


def _as_rgb(images: Tensor) -> Tensor:
    if images.dtype != torch.uint8 or images.ndim != 4:
        raise ValueError(f"expected uint8 [N, C, H, W] images, got {images.dtype} {tuple(images.shape)}")
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def legacy_tf(images: Tensor) -> Tensor:
    x = _as_rgb(images).float() / 255.0
    if x.shape[-2:] != (SIZE, SIZE):
        x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    return 2 * x - 1


def _pil_bicubic(channel: np.ndarray) -> np.ndarray:
    img = Image.fromarray(channel.astype(np.float32), mode="F").resize((SIZE, SIZE), resample=Image.BICUBIC)
    return np.asarray(img)


def clean(images: Tensor) -> Tensor:
    x = _as_rgb(images).cpu().numpy()
    if x.shape[-2:] != (SIZE, SIZE):
        x = np.stack([[_pil_bicubic(ch) for ch in img] for img in x]).clip(0, 255)
    out = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(images.device)
    return (out - 128) / 128


PROTOCOLS: dict[str, Protocol] = {"legacy-tf": legacy_tf, "clean": clean}
