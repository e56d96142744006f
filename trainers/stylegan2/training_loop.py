"""The training loop: phases with lazy regularisation, G EMA, ADA, ticks and snapshots.

`train(options, run_dir)` starts a run or, when `run_dir` holds a resume state, continues it
exactly where the last snapshot left it (image count, optimisers, EMA, augmentation p and
every random number generator).
"""

from __future__ import annotations

import copy
import json
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from commons.atomic import write_text
from commons.device import resolve_device
from trainers.errors import TrainerError
from trainers.stylegan2 import checkpoint, distributed, safe_load
from trainers.stylegan2.dataset import BatchSequence, ImageZipDataset, batch_loader
from trainers.stylegan2.grid import grid_inputs, render_grid, save_grid
from trainers.stylegan2.loss import StyleGAN2Loss
from trainers.stylegan2.options import TrainOptions
from trainers.stylegan2.stats import PLOTS, StatsWriter, TickMeter, plot_curves
from trainers.stylegan2.transfer import TransferReport, start_from


@dataclass
class Counters:
    cur_nimg: int = 0
    cur_tick: int = 0
    batch_idx: int = 0  # minibatches taken (YuruGAN: D steps)
    tick_start_nimg: int = 0


@dataclass
class Phase:
    name: str
    module: nn.Module
    opt: torch.optim.Optimizer
    params: list[nn.Parameter]
    interval: int


@dataclass
class Augment:
    pipe: nn.Module | None = None
    controller: object | None = None  # ada.AdaController
    diffaug: nn.Module | None = None  # diffaug.DiffAugment
    apa: nn.Module | None = None  # apa.PseudoAugment
    apa_controller: object | None = None  # an ada.AdaController driving apa.p

    def observe(self, real_logits: torch.Tensor) -> None:
        for controller in (self.controller, self.apa_controller):
            if controller is not None:
                controller.observe(real_logits)

    def update(self, cur_nimg: int) -> None:
        if self.controller is not None:
            self.controller.maybe_update(self.pipe, cur_nimg)
        if self.apa_controller is not None:
            self.apa_controller.maybe_update(self.apa, cur_nimg)


@dataclass
class Run:
    """Everything that changes during training; what the resume state captures."""

    options: TrainOptions
    G: nn.Module
    D: nn.Module
    G_ema: nn.Module
    phases: list[Phase]
    loss: StyleGAN2Loss
    augment: Augment
    counters: Counters = field(default_factory=Counters)
    transfer: TransferReport | None = None


def build_networks_reported(opts: TrainOptions, device: torch.device, transfer: bool = True
                            ) -> tuple[nn.Module, nn.Module, nn.Module, TransferReport | None]:
    """G, D, G_ema and, with `opts.transfer`, what the transfer copied (refused when layers would stay fresh).

    `transfer=False` when a resume state will overwrite the weights anyway (the source may be gone by then).
    """
    G = checkpoint.build_network("G", opts.generator_kwargs()).train()
    D = checkpoint.build_network("D", opts.discriminator_kwargs()).train()
    report = None
    if opts.transfer and transfer:
        report = start_from(opts.transfer, G, D, partial=opts.transfer_partial)
    G, D = G.to(device), D.to(device)
    G_ema = copy.deepcopy(G).eval()
    D.freeze_first_layers(opts.freezed)
    return G, D, G_ema, report


def build_phases(opts: TrainOptions, G: nn.Module, D: nn.Module) -> list[Phase]:
    """Gmain, Greg, Dmain, Dreg; with lazy regularisation the Adam lr and betas are rescaled."""
    phases = []
    for name, module, lr, interval in (("G", G, opts.glr, opts.g_reg_interval), ("D", D, opts.dlr, opts.d_reg_interval)):
        params = [p for p in module.parameters() if p.requires_grad]
        ratio = interval / (interval + 1)
        opt = torch.optim.Adam(params, lr=lr * ratio, betas=(0.0, 0.99 ** ratio), eps=1e-8)
        phases += [Phase(name + "main", module, opt, params, 1), Phase(name + "reg", module, opt, params, interval)]
        module.requires_grad_(False)
    return phases


def build_augment(opts: TrainOptions, device: torch.device) -> Augment:
    out = Augment()
    if opts.diffaug:
        from trainers.stylegan2.diffaug import DiffAugment

        out.diffaug = DiffAugment(opts.diffaug)
    if opts.apa:
        from trainers.stylegan2.ada import AdaController
        from trainers.stylegan2.apa import PseudoAugment

        out.apa = PseudoAugment(opts.apa_p).to(device)
        out.apa_controller = AdaController(target=opts.apa_target, interval=opts.apa_interval, ada_kimg=opts.apa_kimg,
                                           batch_size=opts.batch)
    if opts.aug == "noaug":
        return out
    from trainers.stylegan2.augment import AUGMENT_PRESETS, AugmentPipe

    if opts.augpipe not in AUGMENT_PRESETS:
        raise ValueError(f"--augpipe {opts.augpipe}: choose one of {', '.join(AUGMENT_PRESETS)}")
    out.pipe = AugmentPipe(**AUGMENT_PRESETS[opts.augpipe]).train().requires_grad_(False).to(device)
    out.pipe.p.copy_(torch.as_tensor(opts.p))
    if opts.aug == "ada":
        from trainers.stylegan2.ada import AdaController

        out.controller = AdaController(target=opts.target, interval=opts.ada_interval, ada_kimg=opts.ada_kimg,
                                       batch_size=opts.batch)
    return out


def build_run(opts: TrainOptions, device: torch.device, transfer: bool = True) -> Run:
    G, D, G_ema, report = build_networks_reported(opts, device, transfer)
    augment = build_augment(opts, device)
    adaptive = augment.controller is not None or augment.apa_controller is not None
    loss = StyleGAN2Loss(G, D, augment.pipe, r1_gamma=opts.gamma, style_mixing_prob=opts.style_mixing_prob,
                         pl_weight=opts.pl_weight, pl_batch_shrink=opts.pl_batch_shrink, pl_decay=opts.pl_decay,
                         on_real_logits=augment.observe if adaptive else None, diffaug=augment.diffaug,
                         pseudo_augment=augment.apa)
    return Run(opts, G, D, G_ema, build_phases(opts, G, D), loss, augment, transfer=report)


def train_step(run: Run, real: torch.Tensor, real_c: torch.Tensor, label_pool: Callable[[int], torch.Tensor],
               dist: distributed.Dist) -> None:
    """One minibatch: every phase due at this batch index, then EMA, counters and ADA."""
    opts, c = run.options, run.counters
    device = real.device
    real = real.to(torch.float32) / 127.5 - 1
    n = real.shape[0]
    # Statistics of this step only: a phase that does not run this step (lazy R1, PL) reports
    # nothing, so tick means average over the steps that computed them, as the official stats do.
    run.loss.last.clear()
    all_z = torch.randn([len(run.phases), n, opts.z_dim], device=device)
    all_c = label_pool(len(run.phases) * n).to(device).reshape(len(run.phases), n, -1)
    for phase, z, gen_c in zip(run.phases, all_z, all_c):
        if c.batch_idx % phase.interval != 0:
            continue
        for p in phase.params:
            p.requires_grad_(True)
        phase.opt.zero_grad(set_to_none=True)
        run.loss.accumulate(phase.name, real, real_c, z, gen_c, gain=phase.interval)
        for p in phase.params:
            p.requires_grad_(False)
        distributed.average_gradients(phase.params, dist)
        for p in phase.params:
            if p.grad is not None:
                torch.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
        phase.opt.step()
    update_ema(run)
    c.cur_nimg += opts.batch
    c.batch_idx += 1
    run.augment.update(c.cur_nimg)


@torch.no_grad()
def update_ema(run, images_per_step: int | None = None) -> None:
    """Move `run.G_ema` towards `run.G` with a half-life of `ema_kimg` (ramped up early) and copy G's buffers
    (batch-norm statistics, spectral-norm vectors). Shared by the trainers: `images_per_step` is the reals shown per
    G step (default: one batch; YuruGAN steps G once per `d_steps` batches)."""
    opts = run.options
    ema_nimg = opts.ema_kimg * 1000
    if opts.ema_rampup is not None:
        ema_nimg = min(ema_nimg, run.counters.cur_nimg * opts.ema_rampup)
    beta = 0.5 ** ((images_per_step or opts.batch) / max(ema_nimg, 1e-8))
    for p_ema, p in zip(run.G_ema.parameters(), run.G.parameters()):
        p_ema.copy_(p.lerp(p_ema, beta))
    for b_ema, b in zip(run.G_ema.buffers(), run.G.buffers()):
        b_ema.copy_(b)


def resume_state(run, own: dict) -> dict:
    """What resume.pt holds: counters, networks, the trainer's `own` part (optimisers, ...) and torch's
    generators, the only ones the loop, the loss and the augmentations draw from. Shared by the trainers."""
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    nets = {name: getattr(run, name).state_dict() for name in checkpoint.NETWORK_NAMES}
    return {"counters": asdict(run.counters), **nets, **own, "rng": rng}


def own_state(run: Run) -> dict:
    aug = run.augment
    return {
        "opt": {p.name: p.opt.state_dict() for p in run.phases if p.name.endswith("main")},
        "pl_mean": run.loss.pl_mean.detach().cpu(),
        "augment_pipe": aug.pipe.state_dict() if aug.pipe is not None else {},
        "ada": aug.controller.state_dict() if aug.controller is not None else {},
        "apa": {"p": aug.apa.p.detach().cpu(), "controller": aug.apa_controller.state_dict()} if aug.apa is not None else {},
    }


def restore(run: Run, state: dict) -> None:
    for phase in run.phases:
        if phase.name in state["opt"]:
            phase.opt.load_state_dict(state["opt"][phase.name])
    run.loss.pl_mean.copy_(state["pl_mean"])
    if run.augment.pipe is not None and state["augment_pipe"]:
        run.augment.pipe.load_state_dict(state["augment_pipe"])
    if run.augment.controller is not None and state["ada"]:
        run.augment.controller.load_state_dict(state["ada"])
    if run.augment.apa is not None and state.get("apa"):
        run.augment.apa.p.copy_(state["apa"]["p"])
        run.augment.apa_controller.load_state_dict(state["apa"]["controller"])


def write_snapshot(run, run_dir: Path, dataset: ImageZipDataset, grid: tuple[torch.Tensor, torch.Tensor],
                   fields: dict | None = None, fmt: str = checkpoint.FORMAT, plots: dict = PLOTS) -> Path:
    """The networks with their JSON (the trainer's `fields` before the options), the fakes grid and the plots.
    Shared by the trainers: another one gives its own snapshot format and curves."""
    opts, c = run.options, run.counters
    meta = {"cur_nimg": c.cur_nimg, "manifest_id": dataset.manifest_id, "class_names": dataset.class_names,
            **(fields or {}), "options": opts.model_dump(mode="json")}
    nets = {"G": run.G, "D": run.D, "G_ema": run.G_ema}
    kwargs = {"G": opts.generator_kwargs(), "D": opts.discriminator_kwargs()}
    weights = checkpoint.save_snapshot(checkpoint.snapshot_stem(run_dir, c.cur_nimg), nets, kwargs, meta, fmt=fmt)
    save_grid(render_grid(run.G_ema, *grid, cols=opts.grid[0]), run_dir / f"fakes{c.cur_nimg // 1000:06d}.png")
    plot_curves(run_dir / "stats.jsonl", run_dir / "plots", plots)
    return weights


def augment_p(run: Run) -> float:
    return float(run.augment.pipe.p) if run.augment.pipe is not None else 0.0


def memory_stats(device: torch.device) -> dict[str, float]:
    out = {"peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20}
    if device.type == "cuda":
        out["peak_gpu_gb"] = torch.cuda.max_memory_allocated(device) / 2 ** 30
    return out


SnapshotMetrics = Callable[[nn.Module, torch.device], dict]
"""Measures a snapshot's G_ema and returns {metric: value}; the host supplies it, as the official loop's progress_fn."""


def run_metrics(run: Run, weights: Path, run_dir: Path, device: torch.device, measure: SnapshotMetrics) -> None:
    """This snapshot's metrics, appended to metrics.jsonl; the training RNG is untouched."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        results = measure(run.G_ema, device)
    record = {"kimg": run.counters.cur_nimg / 1000, "snapshot": weights.name, **results}
    with open(run_dir / "metrics.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")


class LabelPool:
    """Labels for fakes, drawn from the training set's label distribution with the global RNG."""

    def __init__(self, dataset: ImageZipDataset) -> None:
        self.labels = torch.from_numpy(np.stack([dataset.label(i) for i in range(len(dataset.names))]))

    def __call__(self, n: int) -> torch.Tensor:
        return self.labels[torch.randint(len(self.labels), [n])]


def train(opts: TrainOptions, run_dir: Path, on_tick: Callable[[dict], None] | None = None, workers: int = 0,
          on_snapshot: SnapshotMetrics | None = None, on_transfer: Callable[[TransferReport], None] | None = None
          ) -> Counters:
    """Train until `opts.kimg`; continue from `run_dir/resume.pt` when it exists.

    `on_snapshot` measures each snapshot when `opts.metrics` names any metric; `on_transfer` hears
    what `opts.transfer` copied (also written to the run's transfer.json).
    """
    opts, device, dist, dataset = prepare(opts, check_dataset)
    run = build_run(opts, device, transfer=not (run_dir / checkpoint.RESUME_NAME).is_file())
    if run.transfer is not None and dist.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text(run_dir / "transfer.json", json.dumps(asdict(run.transfer), indent=1))
        if on_transfer is not None:
            on_transfer(run.transfer)
    start_or_resume(run, restore, opts, run_dir, dist)
    steps = TrainerSteps(train_step, lambda r: r.loss.last, tick_fields, _write_snapshot, own_state)
    return run_ticks(run, steps, run_dir, dataset, dist, device, on_tick, workers, on_snapshot)


def prepare(opts, check_dataset: Callable) -> tuple:
    """(opts, device, dist, dataset): the device resolved, the process group joined, the training set opened and
    checked (`check_dataset(opts, dataset, world)`), its manifest recorded and this rank's RNG seeded. Shared by
    the trainers."""
    opts = opts.model_copy(update={"device": str(resolve_device(opts.device))})
    dist = distributed.setup(opts.device)
    dataset = ImageZipDataset(opts.data, mirror=opts.mirror, use_labels=opts.c_dim > 0)
    check_dataset(opts, dataset, dist.world)
    if opts.manifest_id is None:
        # The run's config.json must say which manifest (which images) the model was trained on.
        opts = opts.model_copy(update={"manifest_id": dataset.manifest_id})
    torch.manual_seed(opts.seed * dist.world + dist.rank)
    return opts, torch.device(opts.device), dist, dataset


def start_or_resume(run, restore: Callable[[object, dict], None], opts, run_dir: Path, dist: distributed.Dist) -> None:
    """Continue `run` from run_dir/resume.pt when there is one (a damaged file is one line naming it), else give
    every rank rank 0's initial weights; then write the run's config.json. Shared by the trainers in this package's
    run layout (`run` has G, D and G_ema; `restore` puts the trainer's own part of `resume_state` into it)."""
    resume_path = run_dir / checkpoint.RESUME_NAME
    if resume_path.is_file():
        try:
            state = checkpoint.load_resume_state(resume_path)
            run.counters = Counters(**{k: int(v) for k, v in state["counters"].items()})
            for name in checkpoint.NETWORK_NAMES:
                getattr(run, name).load_state_dict(state[name])
            restore(run, state)
            torch.set_rng_state(state["rng"]["torch"])
            if "cuda" in state["rng"] and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        except TrainerError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError) as exc:  # shapes, keys, types
            first = str(exc).splitlines()[0][:120] if str(exc) else ""
            raise safe_load.damaged_resume(resume_path, f"{type(exc).__name__}: {first}") from None
        if dist.world > 1:
            # Only rank 0's generators were saved; give every rank its own fresh stream again.
            torch.manual_seed((opts.seed * 1_000_003 + run.counters.cur_nimg) * dist.world + dist.rank)
    else:
        for module in (run.G, run.D, run.G_ema):
            distributed.broadcast_module(module, dist)
    if dist.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text(run_dir / "config.json", json.dumps(opts.model_dump(mode="json"), indent=1))


def check_dataset(opts: TrainOptions, dataset: ImageZipDataset, world: int) -> None:
    if dataset.resolution != opts.resolution or dataset.img_channels != opts.img_channels:
        raise ValueError(f"{opts.data}: images are {dataset.img_channels}x{dataset.resolution}px, options say "
                         f"{opts.img_channels}x{opts.resolution}px")
    if dataset.c_dim != opts.c_dim:
        raise ValueError(f"{opts.data}: {dataset.c_dim} classes, options say {opts.c_dim}")
    per_gpu = opts.batch // world
    if per_gpu % min(opts.mbstd_group, per_gpu):
        raise ValueError(f"batch per GPU ({per_gpu}) must be a multiple of the minibatch-stddev group ({opts.mbstd_group})")


def tick_fields(run: Run) -> dict:
    return {"augment_p": augment_p(run), "apa_p": float(run.augment.apa.p) if run.augment.apa is not None else None}


def _write_snapshot(run: Run, *args) -> Path:
    return write_snapshot(run, *args, fields={"augment_p": augment_p(run)})


@dataclass(frozen=True)
class TrainerSteps:
    """What differs between the trainers that share `run_ticks`; each takes the trainer's run object."""

    train_step: Callable  # (run, real, real_c, label_pool, dist) -> None: one optimisation step
    last: Callable  # (run) -> dict: the last step's numbers, averaged per tick
    tick_fields: Callable  # (run) -> dict: the trainer's own fields of a tick record (None: left out)
    write_snapshot: Callable  # (run, run_dir, dataset, grid) -> Path of the weights
    own_state: Callable  # (run) -> dict: the trainer's own part of resume.pt (see `resume_state`)


def run_ticks(run, steps: TrainerSteps, run_dir: Path, dataset: ImageZipDataset, dist: distributed.Dist,
              device: torch.device, on_tick: Callable[[dict], None] | None, workers: int,
              on_snapshot: SnapshotMetrics | None) -> Counters:
    """Train in ticks until `opts.kimg`: batches in a resumable order, a stats record per tick, and every
    `opts.snap` ticks (and at the end) a snapshot, its metrics and the resume state."""
    opts, c = run.options, run.counters
    stats = StatsWriter(run_dir) if dist.is_main else None
    if stats is not None:
        stats.drop_after(c.cur_tick)
    grid = grid_inputs(*opts.grid, run.G.z_dim, opts.c_dim)
    sequence = BatchSequence(dataset, opts.batch // dist.world, seed=opts.seed * dist.world + dist.rank)
    batches = iter(batch_loader(sequence, c.batch_idx, workers))
    labels = LabelPool(dataset)
    meter = TickMeter()
    tick_start = time.perf_counter()
    try:
        while True:
            real, real_c = next(batches)
            steps.train_step(run, real.to(device), real_c.to(device), labels, dist)
            meter.add(steps.last(run))
            done = c.cur_nimg >= opts.kimg * 1000
            if not done and c.cur_tick != 0 and c.cur_nimg < c.tick_start_nimg + opts.tick_kimg * 1000:
                continue
            seconds = time.perf_counter() - tick_start
            kimg_done = (c.cur_nimg - c.tick_start_nimg) / 1000
            record = {"tick": c.cur_tick, "kimg": c.cur_nimg / 1000, "sec_per_tick": seconds,
                      "sec_per_kimg": seconds / kimg_done if kimg_done else None, **steps.tick_fields(run),
                      **meter.means(), **memory_stats(device)}
            record = {k: v for k, v in record.items() if v is not None}
            # Counters advance before the snapshot so that a resumed run starts at the next tick.
            c.cur_tick += 1
            c.tick_start_nimg = c.cur_nimg
            if stats is not None:
                stats.append(record)
            if dist.is_main and (done or record["tick"] % opts.snap == 0):
                weights = steps.write_snapshot(run, run_dir, dataset, grid)
                if opts.metrics and on_snapshot is not None:
                    run_metrics(run, weights, run_dir, device, on_snapshot)
                state = resume_state(run, steps.own_state(run))
                checkpoint.save_resume_state(run_dir / checkpoint.RESUME_NAME, state)
            if on_tick is not None:
                on_tick(record)
            tick_start = time.perf_counter()
            if done:
                return c
    finally:
        if stats is not None:
            stats.close()
