"""The Inception-v3 network that FID and IS are defined with (the TensorFlow graph of 2015-12-05).

The module and parameter names match the PyTorch port of that graph that pytorch-fid,
torch-fidelity and clean-fid share (`pt_inception-2015-12-05-6726825d.pth`), so the file loads
with ``strict=True``. It differs from torchvision's Inception-v3 in three places that change the
numbers: 1008 output classes, average pools that ignore padding (as TensorFlow's do), and a max
pool in the last block's pooling branch.

Input: float images already resized to 299x299 and scaled to [-1, 1] (see `protocols`).
Output: the 2048-d pool3 features and the 1008 logits *without* the bias, which is what the
original Inception Score code (and torch-fidelity's ``logits_unbiased``) used.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.models import inception as tv

from commons.weights import WeightsFile, resolve

WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_NAME}"
# torch.hub's convention: the file name carries the first digits of its sha256.
WEIGHTS = WeightsFile(WEIGHTS_NAME, WEIGHTS_URL, "6726825d", setting="[eval] inception_weights")

Pad = int | tuple[int, int]


class BasicConv2d(nn.Module):
    """Conv (no bias) + batch norm (eps 1e-3, TensorFlow's) + ReLU; folds the norm for inference."""

    def __init__(self, cin: int, cout: int, kernel_size: Pad, stride: int = 1, padding: Pad = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)
        # Plain attributes, not buffers, so folding never changes the state_dict layout.
        self._folded: tuple[Tensor, Tensor] | None = None

    def fold(self) -> None:
        """Merge the (frozen) batch norm into the conv weights: one op per layer instead of three."""
        bn = self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        weight = self.conv.weight * scale[:, None, None, None]
        bias = bn.bias - bn.running_mean * scale
        self._folded = (weight.detach().contiguous(), bias.detach().contiguous())

    def forward(self, x: Tensor) -> Tensor:
        if self._folded is not None:
            w, b = self._folded
            return F.relu(F.conv2d(x, w, b, self.conv.stride, self.conv.padding))
        return F.relu(self.bn(self.conv(x)))


def _avg3(x: Tensor) -> Tensor:
    # TensorFlow's average pool divides by the number of real (unpadded) pixels.
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


# The blocks' layers are torchvision's Inception-v3 blocks built with this module's BasicConv2d (same names, same
# registration order, as pytorch-fid builds them); only the forward passes differ, where the TF graph does.
class BlockA(tv.InceptionA):
    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_avg3(x)),
        ], 1)


class BlockB(tv.InceptionB):
    """Grid reduction 35 -> 17."""

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, 3, stride=2),
        ], 1)


class BlockC(tv.InceptionC):
    """Factorised 7x7 convolutions at 17x17."""

    def forward(self, x: Tensor) -> Tensor:
        dbl = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            dbl = layer(dbl)
        return torch.cat([
            self.branch1x1(x),
            self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
            dbl,
            self.branch_pool(_avg3(x)),
        ], 1)


class BlockD(tv.InceptionD):
    """Grid reduction 17 -> 8."""

    def forward(self, x: Tensor) -> Tensor:
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, 3, stride=2)], 1)


class BlockE(tv.InceptionE):
    """Expanded filter bank at 8x8; the last one pools with max instead of average (as the TF graph does)."""

    def __init__(self, cin: int, max_pool: bool) -> None:
        super().__init__(cin, BasicConv2d)
        self.max_pool = max_pool

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_1(x)
        dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else _avg3(x)
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(b3), self.branch3x3_2b(b3),
            self.branch3x3dbl_3a(dbl), self.branch3x3dbl_3b(dbl),
            self.branch_pool(pooled),
        ], 1)


class FIDInception(nn.Module):
    """Inception-v3 as in the 2015-12-05 TensorFlow graph; returns (pool3 [N, 2048], logits [N, 1008])."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = BlockA(192, 32, BasicConv2d)
        self.Mixed_5c = BlockA(256, 64, BasicConv2d)
        self.Mixed_5d = BlockA(288, 64, BasicConv2d)
        self.Mixed_6a = BlockB(288, BasicConv2d)
        self.Mixed_6b = BlockC(768, 128, BasicConv2d)
        self.Mixed_6c = BlockC(768, 160, BasicConv2d)
        self.Mixed_6d = BlockC(768, 160, BasicConv2d)
        self.Mixed_6e = BlockC(768, 192, BasicConv2d)
        self.Mixed_7a = BlockD(768, BasicConv2d)
        self.Mixed_7b = BlockE(1280, max_pool=False)
        self.Mixed_7c = BlockE(2048, max_pool=True)
        self.fc = nn.Linear(2048, 1008)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        pool = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return pool, pool @ self.fc.weight.T

    def fold_batchnorm(self) -> "FIDInception":
        """Inference only: fold every batch norm into its conv (about 1e-6 relative change in features)."""
        for module in self.modules():
            if isinstance(module, BasicConv2d):
                module.fold()
        return self


def randomize_(model: FIDInception, seed: int = 0) -> FIDInception:
    """Random weights with well-scaled activations, for tests and benchmarks when the real file is absent.

    PyTorch's default init makes activations vanish over 94 layers, which would make every
    feature ~0 and every comparison meaningless; He-normal convs and unit batch norms keep them O(1).
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
            elif isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(1 + 0.1 * torch.randn(n, generator=gen))
                module.bias.copy_(0.1 * torch.randn(n, generator=gen))
                module.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
                module.running_var.copy_(1 + 0.1 * torch.rand(n, generator=gen))
            elif isinstance(module, nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * 2048 ** -0.5)
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=gen))
    return model


def locate_weights(path: str | os.PathLike[str] | None = None) -> Path:
    """The weights file: `path` if given, else torch hub's cache ($TORCH_HOME/hub/checkpoints, where pytorch-fid
    keeps it too), else fetched there once, checksum verified."""
    return resolve(WEIGHTS, path, folder=Path(torch.hub.get_dir()) / "checkpoints", timeout=60.0)


def load_inception(path: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu") -> FIDInception:
    """The network with the standard weights, batch norms folded, in eval mode on `device`."""
    file = locate_weights(path)
    state = torch.load(file, map_location="cpu", weights_only=True)
    model = FIDInception()
    model.load_state_dict(state, strict=True)
    return model.eval().requires_grad_(False).to(device).fold_batchnorm()
