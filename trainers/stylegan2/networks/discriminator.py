"""The StyleGAN2 discriminator: residual blocks, minibatch stddev, projection conditioning."""

from __future__ import annotations

import math

import torch
from torch import nn

from trainers.stylegan2.networks.layers import Conv2dLayer, FullyConnectedLayer, MinibatchStdLayer
from trainers.stylegan2.networks.mapping import MappingNetwork
from trainers.stylegan2.networks.precision import autocast
from trainers.stylegan2.networks.resample import setup_filter


class DiscriminatorBlock(nn.Module):
    def __init__(self, in_channels: int, tmp_channels: int, out_channels: int, resolution: int, img_channels: int,
                 architecture: str = "resnet", resample_filter=(1, 3, 3, 1), conv_clamp: float | None = None,
                 use_fp16: bool = False) -> None:
        super().__init__()
        if architecture not in ("resnet", "orig"):
            raise ValueError("discriminator architecture must be 'resnet' or 'orig'")
        self.in_channels, self.architecture, self.use_fp16 = in_channels, architecture, use_fp16
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.layers_in_order: list[str] = []
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, 1, activation="lrelu", conv_clamp=conv_clamp)
            self.layers_in_order.append("fromrgb")
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, 3, activation="lrelu", conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, 3, activation="lrelu", down=2,
                                 resample_filter=resample_filter, conv_clamp=conv_clamp)
        self.layers_in_order += ["conv0", "conv1"]
        if architecture == "resnet":
            self.skip = Conv2dLayer(tmp_channels, out_channels, 1, bias=False, down=2, resample_filter=resample_filter)
            self.layers_in_order.append("skip")

    def forward(self, x: torch.Tensor | None, img: torch.Tensor) -> torch.Tensor:
        with autocast(self.use_fp16, img.device):
            if self.in_channels == 0:
                x = self.fromrgb(img)
            if self.architecture == "resnet":
                y = self.skip(x, gain=math.sqrt(0.5))
                x = self.conv1(self.conv0(x), gain=math.sqrt(0.5))
                return y + x
            return self.conv1(self.conv0(x))


class DiscriminatorEpilogue(nn.Module):
    def __init__(self, in_channels: int, cmap_dim: int, resolution: int, mbstd_group_size: int | None = 4,
                 mbstd_num_channels: int = 1, conv_clamp: float | None = None) -> None:
        super().__init__()
        self.cmap_dim = cmap_dim
        self.mbstd = MinibatchStdLayer(mbstd_group_size, mbstd_num_channels) if mbstd_num_channels > 0 else None
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3, activation="lrelu", conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * resolution ** 2, in_channels, activation="lrelu")
        self.out = FullyConnectedLayer(in_channels, cmap_dim or 1)

    def forward(self, x: torch.Tensor, cmap: torch.Tensor | None) -> torch.Tensor:
        x = x.to(torch.float32)
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self.out(self.fc(self.conv(x).flatten(1)))
        if self.cmap_dim:
            # Projection discriminator: score = <features, embedded class> / sqrt(dim).
            x = (x * cmap).sum(dim=1, keepdim=True) / math.sqrt(self.cmap_dim)
        return x


class Discriminator(nn.Module):
    def __init__(self, c_dim: int, img_resolution: int, img_channels: int, architecture: str = "resnet",
                 channel_base: int = 32768, channel_max: int = 512, num_fp16_res: int = 0,
                 conv_clamp: float | None = None, cmap_dim: int | None = None, block_kwargs: dict | None = None,
                 mapping_kwargs: dict | None = None, epilogue_kwargs: dict | None = None) -> None:
        super().__init__()
        log2 = int(math.log2(img_resolution))
        self.c_dim, self.img_resolution, self.img_channels = c_dim, img_resolution, img_channels
        self.block_resolutions = [2 ** i for i in range(log2, 2, -1)]
        channels = {res: min(channel_base // res, channel_max) for res in self.block_resolutions + [4]}
        fp16_resolution = max(2 ** (log2 + 1 - num_fp16_res), 8)
        cmap_dim = (channels[4] if cmap_dim is None else cmap_dim) if c_dim else 0
        for res in self.block_resolutions:
            block = DiscriminatorBlock(channels[res] if res < img_resolution else 0, channels[res], channels[res // 2],
                                       res, img_channels, architecture=architecture, conv_clamp=conv_clamp,
                                       use_fp16=res >= fp16_resolution, **(block_kwargs or {}))
            setattr(self, f"b{res}", block)
        if c_dim:
            self.mapping = MappingNetwork(0, c_dim, cmap_dim, num_ws=None, w_avg_beta=None, **(mapping_kwargs or {}))
        self.b4 = DiscriminatorEpilogue(channels[4], cmap_dim, 4, conv_clamp=conv_clamp, **(epilogue_kwargs or {}))

    def forward(self, img: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        x = None
        for res in self.block_resolutions:
            x = getattr(self, f"b{res}")(x, img)
        cmap = self.mapping(None, c) if self.c_dim else None
        return self.b4(x, cmap)

    def layers_in_order(self) -> list[nn.Module]:
        """D's layers from the image inwards, as counted by the official `freezed` option."""
        return [getattr(getattr(self, f"b{res}"), name) for res in self.block_resolutions
                for name in getattr(self, f"b{res}").layers_in_order]

    def freeze_first_layers(self, count: int) -> None:
        """Stop gradients into the first `count` layers (transfer learning, 'Freeze-D')."""
        for layer in self.layers_in_order()[:count]:
            layer.requires_grad_(False)
