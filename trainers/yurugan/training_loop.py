"""The YuruGAN training loop: `d_steps` D updates per G update, G EMA, ticks, snapshots, exact resume.

Every minibatch of reals is one D step; every `d_steps`-th also makes one G step. `cur_nimg`
counts reals shown to D, as the StyleGAN2 loop does, so "the same kimg" means the same number
of real images for both trainers. A resumed run continues from `run_dir/resume.pt` bit for bit
(networks with their spectral-norm vectors and batch-norm statistics, optimisers, EMA, RNG).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from trainers.stylegan2 import distributed
from trainers.stylegan2.dataset import ImageZipDataset
from trainers.stylegan2.training_loop import (Counters, SnapshotMetrics, TrainerSteps, prepare, run_ticks,
                                              start_or_resume, update_ema, write_snapshot)
from trainers.yurugan.checkpoint import FORMAT, build_network
from trainers.yurugan.loss import d_loss, g_loss
from trainers.yurugan.options import YuruGANOptions

PLOTS = {
    "losses": ("loss_G", "loss_D_real", "loss_D_fake"),
    "scores": ("scores_real", "scores_fake"),
    "classifier": ("loss_D_class_real", "loss_D_class_fake", "loss_G_class", "class_acc_real"),
    "speed": ("sec_per_kimg",),
}


@dataclass
class Run:
    options: YuruGANOptions
    G: nn.Module
    D: nn.Module
    G_ema: nn.Module
    opt_G: torch.optim.Optimizer
    opt_D: torch.optim.Optimizer
    counters: Counters = field(default_factory=Counters)
    last: dict[str, float] = field(default_factory=dict)


def build_run(opts: YuruGANOptions, device: torch.device) -> Run:
    G = build_network("G", opts.generator_kwargs()).train().to(device)
    D = build_network("D", opts.discriminator_kwargs()).train().to(device)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    betas = (opts.beta1, opts.beta2)
    return Run(opts, G, D, G_ema, torch.optim.Adam(G.parameters(), lr=opts.glr, betas=betas),
               torch.optim.Adam(D.parameters(), lr=opts.dlr, betas=betas))


def _step(opt: torch.optim.Optimizer, module: nn.Module, loss: torch.Tensor, dist: distributed.Dist) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    params = [p for p in module.parameters() if p.grad is not None]
    distributed.average_gradients(params, dist)
    opt.step()


def train_step(run: Run, real: torch.Tensor, real_c: torch.Tensor, label_pool: Callable[[int], torch.Tensor],
               dist: distributed.Dist) -> None:
    """One D step on this batch of reals; a G step after every `d_steps`-th; then EMA and counters."""
    opts, c = run.options, run.counters
    device = real.device
    real = real.to(torch.float32) / 127.5 - 1
    n = real.shape[0]
    fake_c = label_pool(n).to(device)
    with torch.no_grad():
        fake = run.G(torch.randn([n, run.G.z_dim], device=device), fake_c)
    loss, stats = d_loss(run.D, real, real_c, fake, fake_c, opts.ac_weight)
    _step(run.opt_D, run.D, loss, dist)
    if (c.batch_idx + 1) % opts.d_steps == 0:
        gen_c = label_pool(n).to(device)
        run.D.requires_grad_(False)
        loss, g_stats = g_loss(run.D, run.G(torch.randn([n, run.G.z_dim], device=device), gen_c), gen_c, opts.ac_weight)
        _step(run.opt_G, run.G, loss, dist)
        run.D.requires_grad_(True)
        stats.update(g_stats)
        update_ema(run, opts.batch * opts.d_steps)
    run.last = stats
    c.cur_nimg += opts.batch
    c.batch_idx += 1


def own_state(run: Run) -> dict:
    return {"opt": {"G": run.opt_G.state_dict(), "D": run.opt_D.state_dict()}}


def restore(run: Run, state: dict) -> None:
    run.opt_G.load_state_dict(state["opt"]["G"])
    run.opt_D.load_state_dict(state["opt"]["D"])


def check_dataset(opts: YuruGANOptions, dataset: ImageZipDataset, world: int) -> None:
    ch, h, w = dataset.image(0).shape
    if (ch, h, w) != (opts.img_channels, opts.height, opts.width):
        raise ValueError(f"{opts.data}: images are {ch}x{h}x{w}, options say {opts.img_channels}x{opts.height}x{opts.width}")
    if dataset.c_dim != opts.c_dim:
        raise ValueError(f"{opts.data}: {dataset.c_dim} classes, options say {opts.c_dim}")
    if opts.batch % world:
        raise ValueError(f"batch {opts.batch} does not split over {world} processes")


def train(opts: YuruGANOptions, run_dir: Path, on_tick: Callable[[dict], None] | None = None, workers: int = 0,
          on_snapshot: SnapshotMetrics | None = None) -> Counters:
    """Train until `opts.kimg`; continue from `run_dir/resume.pt` when it exists."""
    opts, device, dist, dataset = prepare(opts, check_dataset)
    run = build_run(opts, device)
    start_or_resume(run, restore, opts, run_dir, dist)
    return _loop(run, run_dir, dataset, dist, device, on_tick, workers, on_snapshot)


def _loop(run: Run, run_dir: Path, dataset: ImageZipDataset, dist: distributed.Dist, device: torch.device,
          on_tick: Callable[[dict], None] | None, workers: int, on_snapshot: SnapshotMetrics | None) -> Counters:
    snapshot = functools.partial(write_snapshot, fmt=FORMAT, plots=PLOTS)
    return run_ticks(run, TrainerSteps(train_step, lambda r: r.last, lambda r: {}, snapshot, own_state), run_dir,
                     dataset, dist, device, on_tick, workers, on_snapshot)
