"""The networks' state_dict keys and shapes are those of the official StyleGAN2-ADA networks.

The expected layout is written out here from the published architecture (skip generator,
residual discriminator, mapping network with optional label embedding), independently of the
network code, so that official weights load with `load_state_dict` unchanged.
"""

from __future__ import annotations

import math

import pytest
import torch

from trainers.stylegan2.networks import Discriminator, Generator


def _ch(res: int, base: int, cmax: int) -> int:
    return min(base // res, cmax)


def expected_generator(res: int, z: int, w: int, c: int, map_layers: int, base: int, cmax: int) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for r in [2 ** i for i in range(2, int(math.log2(res)) + 1)]:
        b, co = f"synthesis.b{r}", _ch(r, base, cmax)
        out[f"{b}.resample_filter"] = (4, 4)
        convs = ["conv1"]
        if r == 4:
            out[f"{b}.const"] = (co, 4, 4)
        else:
            convs.insert(0, "conv0")
        for name in convs:
            ci = _ch(r // 2, base, cmax) if name == "conv0" else co
            out.update({f"{b}.{name}.weight": (co, ci, 3, 3), f"{b}.{name}.bias": (co,), f"{b}.{name}.noise_strength": (),
                        f"{b}.{name}.noise_const": (r, r), f"{b}.{name}.resample_filter": (4, 4),
                        f"{b}.{name}.affine.weight": (ci, w), f"{b}.{name}.affine.bias": (ci,)})
        out.update({f"{b}.torgb.weight": (3, co, 1, 1), f"{b}.torgb.bias": (3,),
                    f"{b}.torgb.affine.weight": (co, w), f"{b}.torgb.affine.bias": (co,)})
    out.update(expected_mapping("mapping", z, w, c, map_layers, embed=w))
    out["mapping.w_avg"] = (w,)
    return out


def expected_mapping(prefix: str, z: int, w: int, c: int, layers: int, embed: int) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    if c:
        out.update({f"{prefix}.embed.weight": (embed, c), f"{prefix}.embed.bias": (embed,)})
    fin = z + (embed if c else 0)
    for i in range(layers):
        out.update({f"{prefix}.fc{i}.weight": (w, fin), f"{prefix}.fc{i}.bias": (w,)})
        fin = w
    return out


def expected_discriminator(res: int, c: int, base: int, cmax: int) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for r in [2 ** i for i in range(int(math.log2(res)), 2, -1)]:
        b, tmp, co = f"b{r}", _ch(r, base, cmax), _ch(r // 2, base, cmax)
        out[f"{b}.resample_filter"] = (4, 4)
        if r == res:
            out.update({f"{b}.fromrgb.weight": (tmp, 3, 1, 1), f"{b}.fromrgb.bias": (tmp,), f"{b}.fromrgb.resample_filter": (4, 4)})
        out.update({f"{b}.conv0.weight": (tmp, tmp, 3, 3), f"{b}.conv0.bias": (tmp,), f"{b}.conv0.resample_filter": (4, 4),
                    f"{b}.conv1.weight": (co, tmp, 3, 3), f"{b}.conv1.bias": (co,), f"{b}.conv1.resample_filter": (4, 4),
                    f"{b}.skip.weight": (co, tmp, 1, 1), f"{b}.skip.resample_filter": (4, 4)})
    c4 = _ch(4, base, cmax)
    cmap = c4 if c else 0
    out.update({"b4.conv.weight": (c4, c4 + 1, 3, 3), "b4.conv.bias": (c4,), "b4.conv.resample_filter": (4, 4),
                "b4.fc.weight": (c4, c4 * 16), "b4.fc.bias": (c4,), "b4.out.weight": (cmap or 1, c4), "b4.out.bias": (cmap or 1,)})
    if c:
        out.update(expected_mapping("mapping", 0, cmap, c, 8, embed=cmap))
    return out


def _layout(module: torch.nn.Module) -> dict[str, tuple]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


@pytest.mark.parametrize("res,c_dim,map_layers,base,cmax", [
    (32, 0, 2, 512, 32),        # the tiny test configuration
    (256, 0, 2, 16384, 512),    # --cfg auto at 256 px
    (256, 10, 8, 16384, 512),   # paper256, conditional
    (64, 3, 8, 32768, 512),     # stylegan2 channel rule, conditional
])
def test_state_dict_matches_official_layout(res, c_dim, map_layers, base, cmax):
    with torch.device("meta"):  # shapes only: no memory, no initialisation time
        G = Generator(512, c_dim, 512, res, 3, mapping_kwargs=dict(num_layers=map_layers),
                      synthesis_kwargs=dict(channel_base=base, channel_max=cmax, num_fp16_res=4, conv_clamp=256))
        D = Discriminator(c_dim, res, 3, channel_base=base, channel_max=cmax, num_fp16_res=4, conv_clamp=256)
    assert _layout(G) == expected_generator(res, 512, 512, c_dim, map_layers, base, cmax)
    assert _layout(D) == expected_discriminator(res, c_dim, base, cmax)
    assert G.num_ws == 2 * int(math.log2(res)) - 2


def test_named_keys_from_the_issue_exist():
    with torch.device("meta"):
        G = Generator(512, 4, 512, 32, 3)
        D = Discriminator(4, 32, 3)
    g, d = G.state_dict(), D.state_dict()
    for key in ("mapping.fc0.weight", "mapping.w_avg", "mapping.embed.weight", "synthesis.b4.const",
                "synthesis.b4.conv1.affine.weight", "synthesis.b4.conv1.noise_strength", "synthesis.b4.conv1.noise_const",
                "synthesis.b4.conv1.resample_filter", "synthesis.b4.torgb.weight", "synthesis.b8.conv0.weight"):
        assert key in g, key
    for key in ("b32.fromrgb.weight", "b32.conv0.weight", "b32.skip.weight", "b4.conv.weight", "b4.fc.weight",
                "b4.out.weight", "mapping.embed.weight", "mapping.fc7.weight"):
        assert key in d, key
