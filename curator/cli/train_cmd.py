"""`curator train MANIFEST_OR_DATASET`: train StyleGAN2-ADA (or `--model yurugan`); `--resume RUN` continues a run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from curator.cli.common import console, progress, workspace


def train(
    source: Optional[str] = typer.Argument(None, help="Manifest (file, id prefix, stage, 'latest') or a training-set ZIP/folder."),
    model: Optional[str] = typer.Option(None, "--model", help="Trainer: stylegan2 (StyleGAN2-ADA, default) or yurugan (YuruGAN's conditional GAN)."),
    cfg: Optional[str] = typer.Option(None, help="Base config: auto, stylegan2, paper256, paper512, paper1024, cifar."),
    kimg: Optional[float] = typer.Option(None, help="Training length in thousands of real images shown."),
    batch: Optional[int] = typer.Option(None, help="Total batch size."),
    gamma: Optional[float] = typer.Option(None, help="R1 regularisation weight."),
    glr: Optional[float] = typer.Option(None, help="G learning rate."),
    dlr: Optional[float] = typer.Option(None, help="D learning rate."),
    ema: Optional[float] = typer.Option(None, help="G EMA half-life in kimg."),
    mirror: Optional[bool] = typer.Option(None, "--mirror/--no-mirror", help="Random x-flips of the reals."),
    aug: Optional[str] = typer.Option(None, help="ada, fixed or noaug (default: config, 'ada')."),
    p: Optional[float] = typer.Option(None, "--p", help="Augmentation probability (start value with ada, the value with fixed)."),
    augpipe: Optional[str] = typer.Option(None, help="Augmentation groups, e.g. bgc (default), bgcfnc."),
    target: Optional[float] = typer.Option(None, help="ADA target for the sign of D on reals (default 0.6)."),
    diffaug: Optional[str] = typer.Option(None, help="DiffAugment on every image D sees: color,translation,cutout (any of them)."),
    apa: Optional[bool] = typer.Option(None, "--apa/--no-apa", help="Adaptive pseudo augmentation (fakes shown to D as reals)."),
    apa_target: Optional[float] = typer.Option(None, help="APA target for the sign of D on reals (default 0.6)."),
    cond: bool = typer.Option(False, "--cond", help="Condition on the items' labels (else their cluster)."),
    resume: Optional[Path] = typer.Option(None, help="Run folder to continue exactly where its last snapshot left off."),
    transfer: Optional[str] = typer.Option(None, help="Start from a curator snapshot (or run folder), an official or TF-era .pkl, a URL, "
                                           "or a network name: ffhq256, ffhq512, ffhq1024, celebahq256, lsundog256, ffhq, "
                                           "metfaces, afhqcat, afhqdog, afhqwild, brecahad, cifar10 (fetched once)."),
    transfer_partial: bool = typer.Option(False, "--transfer-partial", help="Allow a transfer that leaves layers untrained."),
    freezed: Optional[int] = typer.Option(None, help="Freeze the first N layers of D (with --transfer)."),
    snap: Optional[int] = typer.Option(None, help="Ticks between snapshots (default: config, 50)."),
    tick: Optional[float] = typer.Option(None, help="kimg per tick (default: config, 4)."),
    seed: Optional[int] = typer.Option(None, help="Random seed (default 0)."),
    resolution: Optional[int] = typer.Option(None, min=1, help="Export resolution when SOURCE is a manifest."),
    fit: Optional[str] = typer.Option(None, help="Export: non-square items error, crop or pad."),
    channel_base: Optional[int] = typer.Option(None, help="Override the channel count rule (channels = base / resolution)."),
    channel_max: Optional[int] = typer.Option(None, help="Override the maximum channels per layer."),
    out: Optional[Path] = typer.Option(None, help="Run folder (default: WORKSPACE/runs/NNNNN-<data>-<cfg>)."),
    device: Optional[str] = typer.Option(None, help="auto, cpu, cuda or cuda:N."),
    workers: Optional[int] = typer.Option(None, help="Image-decoding worker processes."),
    metrics: Optional[List[str]] = typer.Option(None, "--metrics", help="Metrics of every snapshot into metrics.jsonl (see curator eval), e.g. swd, fid."),
    metrics_num: Optional[int] = typer.Option(None, help="Generated images per metric evaluation (default 10000)."),
) -> None:
    """Train StyleGAN2-ADA on CPU or GPU; writes snapshots, fake grids, stats and plots to the run folder."""
    from curator.train import run as stage

    ws = workspace()
    given = dict(cfg=cfg, kimg=kimg, batch=batch, gamma=gamma, glr=glr, dlr=dlr, ema_kimg=ema, mirror=mirror, aug=aug,
                 p=p, augpipe=augpipe, target=target, diffaug=diffaug, apa=apa, apa_target=apa_target, transfer=transfer, freezed=freezed, snap=snap, tick_kimg=tick,
                 seed=seed, channel_base=channel_base, channel_max=channel_max, device=device,
                 metrics=metrics or None, metrics_num_gen=metrics_num, transfer_partial=transfer_partial or None)
    with progress("downloading the network (MB)", total=None) as fetched:
        opts, run_dir = stage.prepare(ws, source, given, cond, resume, out,
                                      None if resume else ws.config.export.override(resolution=resolution, fit=fit), model,
                                      download_progress=lambda done, total: fetched(done >> 20, total and total >> 20))
    # Under torchrun every rank runs this command; only rank 0 talks.
    say = console.print if os.environ.get("RANK", "0") == "0" else (lambda *a, **k: None)
    say(f"training {opts.resolution}px{f', {opts.c_dim} classes' if opts.c_dim else ''} on {opts.device} "
        f"for {opts.kimg:g} kimg -> {run_dir}")
    with progress("training (kimg)", total=None) as advance:
        counters = stage.start(ws, opts, run_dir, workers,
                               on_tick=lambda record: advance(int(record["kimg"]), int(opts.kimg)),
                               on_transfer=lambda report: say(report.summary()))
    say(f"done at {counters.cur_nimg / 1000:g} kimg; snapshots, fakes*.png, stats.jsonl and plots/ in {run_dir}")
