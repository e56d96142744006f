"""Drive the official StyleGAN2-ADA code (NVlabs/stylegan2-ada-pytorch, fetched by the user) with curator's settings.

Nothing of the official code is in this repository: `load(path)` puts the user's checkout on
sys.path and imports its `training` and `torch_utils` packages. Its `training_loop` is
CUDA-only (CUDA events, pinned memory), so `OfficialRun.step` repeats the inner loop's phase
schedule here, from its documented behaviour: phases Gmain, Greg (every 4), Dmain, Dreg (every
16), each with `requires_grad_` toggled, gradients' NaN/Inf replaced, Adam with lr and betas
scaled by interval / (interval + 1), then G's EMA (half-life ema_kimg, optional ramp-up) and the
ADA p update from the mean sign of D on reals.

Two run-time adaptations for torch 2 (as ../shared/ENVIRONMENT.md notes), both in `load`:
- `grid_sample_gradfix`: its custom op (needed for R1 through the geometric augmentations) is
  gated to torch 1.7-1.9 and calls `grid_sampler_2d_backward` with the old signature; the gate
  is opened and the call given torch 2's `output_mask` argument.
- On the CPU, `num_fp16_res=0` (the official blocks would run float16 convolutions on the CPU).
"""

from __future__ import annotations

import copy
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from trainers.stylegan2.augment import AUGMENT_PRESETS
from trainers.stylegan2.options import TrainOptions


@dataclass
class Official:
    networks: object
    loss: object
    augment: object
    training_stats: object


def load(path: str | Path) -> Official:
    root = Path(path).expanduser().resolve()
    if not (root / "training" / "networks.py").is_file():
        raise SystemExit(f"{root}: not a stylegan2-ada-pytorch checkout (no training/networks.py)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    networks = importlib.import_module("training.networks")
    loss = importlib.import_module("training.loss")
    augment = importlib.import_module("training.augment")
    stats = importlib.import_module("torch_utils.training_stats")
    gradfix = importlib.import_module("torch_utils.ops.grid_sample_gradfix")
    conv_gradfix = importlib.import_module("torch_utils.ops.conv2d_gradfix")

    def backward_forward(ctx, grad_output, input, grid):  # torch 2 signature of the aten op
        grad_input, grad_grid = torch.ops.aten.grid_sampler_2d_backward(grad_output, input, grid, 0, 0, False,
                                                                        [True, True])
        ctx.save_for_backward(grid)
        return grad_input, grad_grid

    gradfix._should_use_custom_op = lambda: True
    gradfix._GridSample2dBackward.forward = staticmethod(backward_forward)
    conv_gradfix.enabled = True
    return Official(networks, loss, augment, stats)


def official_kwargs(opts: TrainOptions, device: torch.device) -> tuple[dict, dict]:
    """curator's constructor arguments use the official names; only the fp16 blocks differ on the CPU."""
    g, d = opts.generator_kwargs(), opts.discriminator_kwargs()
    if device.type != "cuda":
        g["synthesis_kwargs"]["num_fp16_res"] = 0
        d["num_fp16_res"] = 0
    return g, d


@dataclass
class _Phase:
    name: str
    module: torch.nn.Module
    opt: torch.optim.Optimizer
    interval: int


@dataclass
class OfficialRun:
    opts: TrainOptions
    G: torch.nn.Module
    D: torch.nn.Module
    G_ema: torch.nn.Module
    loss: object
    pipe: torch.nn.Module | None
    phases: list[_Phase]
    collector: object
    stats: object
    cur_nimg: int = 0
    batch_idx: int = 0

    def step(self, real_u8: torch.Tensor, real_c: torch.Tensor, gen_c_pool: torch.Tensor) -> None:
        opts = self.opts
        device = real_u8.device
        real = real_u8.to(torch.float32) / 127.5 - 1
        n = real.shape[0]
        all_z = torch.randn([len(self.phases), n, opts.z_dim], device=device)
        all_c = gen_c_pool[torch.randint(len(gen_c_pool), [len(self.phases) * n])].to(device).reshape(len(self.phases), n, -1)
        for phase, z, c in zip(self.phases, all_z, all_c):
            if self.batch_idx % phase.interval != 0:
                continue
            phase.opt.zero_grad(set_to_none=True)
            phase.module.requires_grad_(True)
            self.loss.accumulate_gradients(phase=phase.name, real_img=real, real_c=real_c, gen_z=z, gen_c=c,
                                           sync=True, gain=phase.interval)
            phase.module.requires_grad_(False)
            for p in phase.module.parameters():
                if p.grad is not None:
                    torch.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
            phase.opt.step()
        with torch.no_grad():
            ema_nimg = opts.ema_kimg * 1000
            if opts.ema_rampup is not None:
                ema_nimg = min(ema_nimg, self.cur_nimg * opts.ema_rampup)
            beta = 0.5 ** (opts.batch / max(ema_nimg, 1e-8))
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
                p_ema.copy_(p.lerp(p_ema, beta))
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                b_ema.copy_(b)
        self.cur_nimg += opts.batch
        self.batch_idx += 1
        if opts.aug == "ada" and self.pipe is not None and self.batch_idx % opts.ada_interval == 0:
            self.ada_collector.update()
            adjust = np.sign(self.ada_collector["Loss/signs/real"] - opts.target) * \
                (opts.batch * opts.ada_interval) / (opts.ada_kimg * 1000)
            self.pipe.p.copy_((self.pipe.p + adjust).clamp(min=0))

    def tick_stats(self) -> dict[str, float]:
        """Means since the last call, renamed like curator's stats.jsonl keys."""
        self.collector.update()
        names = {"Loss/G/loss": "loss_G", "Loss/scores/real": "scores_real", "Loss/scores/fake": "scores_fake",
                 "Loss/signs/real": "signs_real", "Loss/r1_penalty": "r1_penalty", "Loss/pl_penalty": "pl_penalty",
                 "Loss/D/loss": "loss_D"}
        out = {v: float(self.collector.mean(k)) for k, v in names.items() if self.collector.num(k)}
        out["augment_p"] = float(self.pipe.p) if self.pipe is not None else 0.0
        return out


def build(off: Official, opts: TrainOptions, device: torch.device, init_from: dict | None = None) -> OfficialRun:
    """G, D, G_ema, loss, phases as the official training_loop sets them up; `init_from` = curator weights to start from."""
    g_kwargs, d_kwargs = official_kwargs(opts, device)
    G = off.networks.Generator(**g_kwargs).train().requires_grad_(False).to(device)
    D = off.networks.Discriminator(**d_kwargs).train().requires_grad_(False).to(device)
    if init_from is not None:  # the same layout: curator's state dicts load strictly
        G.load_state_dict(init_from["G"])
        D.load_state_dict(init_from["D"])
    G_ema = copy.deepcopy(G).eval()
    pipe = None
    if opts.aug != "noaug":
        pipe = off.augment.AugmentPipe(**AUGMENT_PRESETS[opts.augpipe]).train().requires_grad_(False).to(device)
        pipe.p.copy_(torch.as_tensor(opts.p))
    loss = off.loss.StyleGAN2Loss(device=device, G_mapping=G.mapping, G_synthesis=G.synthesis, D=D, augment_pipe=pipe,
                                  style_mixing_prob=opts.style_mixing_prob, r1_gamma=opts.gamma,
                                  pl_batch_shrink=opts.pl_batch_shrink, pl_decay=opts.pl_decay, pl_weight=opts.pl_weight)
    phases = []
    for name, module, lr, interval in (("G", G, opts.glr, opts.g_reg_interval), ("D", D, opts.dlr, opts.d_reg_interval)):
        ratio = interval / (interval + 1)
        opt = torch.optim.Adam(module.parameters(), lr=lr * ratio, betas=(0.0, 0.99 ** ratio), eps=1e-8)
        phases += [_Phase(name + "main", module, opt, 1), _Phase(name + "reg", module, opt, interval)]
    run = OfficialRun(opts, G, D, G_ema, loss, pipe, phases, off.training_stats.Collector(regex=".*"), off.training_stats)
    run.ada_collector = off.training_stats.Collector(regex="Loss/signs/real")
    return run
