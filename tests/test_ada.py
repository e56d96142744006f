"""The ADA controller: p follows sign(r_t - target) in steps of batch * interval / (ada_kimg * 1000)."""

from __future__ import annotations

import json

import pytest
import torch
import torch.distributed as dist

from trainers.stylegan2.ada import AdaController
from trainers.stylegan2.augment import AUGMENT_PRESETS, AugmentPipe

BATCH, INTERVAL, ADA_KIMG = 8, 4, 500
STEP = BATCH * INTERVAL / (ADA_KIMG * 1000)


def make(p: float = 0.0) -> tuple[AdaController, AugmentPipe]:
    pipe = AugmentPipe(**AUGMENT_PRESETS["bgc"])
    pipe.p.fill_(p)
    return AdaController(target=0.6, interval=INTERVAL, ada_kimg=ADA_KIMG, batch_size=BATCH), pipe


def train(ada: AdaController, pipe: AugmentPipe, logits: list[torch.Tensor], start_nimg: int = 0) -> list[float]:
    """One observe + maybe_update per minibatch, as the training loop does; returns p after each."""
    history = []
    nimg = start_nimg
    for batch in logits:
        ada.observe(batch)
        nimg += BATCH
        history.append(ada.maybe_update(pipe, nimg))
    return history


def test_p_rises_by_the_expected_step_when_d_is_sure_every_real_is_real():
    ada, pipe = make(0.0)
    history = train(ada, pipe, [torch.full((BATCH, 1), 3.0)] * 40)
    # Unchanged within an interval, one step at the end of each.
    assert history[:3] == [0.0, 0.0, 0.0]
    assert history[3] == pytest.approx(STEP)
    assert history[-1] == pytest.approx(10 * STEP)
    assert float(pipe.p) == pytest.approx(10 * STEP)
    assert ada.last_rt == 1.0


def test_p_falls_when_d_is_unsure_and_never_goes_below_zero():
    ada, pipe = make(2.5 * STEP)
    history = train(ada, pipe, [torch.full((BATCH,), -1.0)] * 16)
    assert history[3] == pytest.approx(1.5 * STEP)
    assert history[7] == pytest.approx(0.5 * STEP)
    assert history[11] == 0.0 and history[15] == 0.0


def test_p_holds_when_r_t_equals_the_target():
    ada, pipe = make(0.25)
    signs = torch.tensor([1.0] * 8 + [-1.0] * 2)  # mean sign 0.6
    history = train(ada, pipe, [signs] * 8)
    assert history == [0.25] * 8
    assert ada.last_rt == pytest.approx(0.6)


def test_resume_from_state_dict_matches_an_uninterrupted_run():
    torch.manual_seed(0)
    logits = [torch.randn(BATCH) + 0.8 for _ in range(30)]
    ada, pipe = make()
    uninterrupted = train(ada, pipe, logits)

    first, first_pipe = make()
    train(first, first_pipe, logits[:13])  # stop mid-interval, with signs pending
    saved = json.loads(json.dumps({"ada": first.state_dict(), "pipe_p": float(first_pipe.p)}))
    resumed, resumed_pipe = make(saved["pipe_p"])
    resumed.load_state_dict(saved["ada"])
    continued = train(resumed, resumed_pipe, logits[13:], start_nimg=13 * BATCH)

    assert continued == uninterrupted[13:]
    assert resumed.last_rt == ada.last_rt
    assert max(uninterrupted) > 0


def test_r_t_is_averaged_over_all_processes(tmp_path, monkeypatch):
    """A real (one-process) gloo group; a second process's signs are added inside all_reduce."""
    real_all_reduce = dist.all_reduce

    def all_reduce_with_another_rank(tensor, *args, **kwargs):
        work = real_all_reduce(tensor, *args, **kwargs)
        tensor += torch.tensor([-16.0, 16.0], dtype=tensor.dtype)  # the other rank: 16 reals, all unsure
        return work

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    try:
        monkeypatch.setattr(dist, "all_reduce", all_reduce_with_another_rank)
        ada, pipe = make(0.5)
        # This rank's D is sure about its reals, the other's is not: globally r_t = 0 < 0.6, so p falls.
        history = train(ada, pipe, [torch.full((BATCH // 2,), 1.0)] * INTERVAL)
    finally:
        dist.destroy_process_group()
    assert history[-1] == pytest.approx(0.5 - STEP)
    assert ada.last_rt == 0.0
