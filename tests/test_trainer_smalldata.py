"""Small-data additions to ADA: DiffAugment, adaptive pseudo augmentation (APA); the bf16 blocks run on the CPU."""

from __future__ import annotations

import json

import pytest
import torch

from trainers.stylegan2.ada import AdaController
from trainers.stylegan2.apa import PseudoAugment
from trainers.stylegan2.diffaug import DiffAugment, _cutout, _translation, parse_policy
from trainers.stylegan2.loss import StyleGAN2Loss
from trainers.stylegan2.networks import Discriminator, Generator
from trainers.stylegan2.networks.precision import mixed_precision_on_cpu
from trainers.stylegan2.options import options_from_preset
from trainers.stylegan2.training_loop import build_run, train


def test_policy_names_are_checked():
    assert parse_policy("cutout, color") == ("cutout", "color")
    with pytest.raises(ValueError, match="unknown 'colour'"):
        parse_policy("colour,translation")
    assert DiffAugment("cutout,color,translation").policy == ("color", "translation", "cutout")  # the paper's order


def test_translation_is_an_integer_shift_with_zeros_shifted_in():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 16, 16) + 1  # no zeros in the input
    y = _translation(x)
    for a, b in zip(x, y):
        found = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                want = torch.zeros_like(a)
                src = a[:, max(dy, 0):16 + min(dy, 0), max(dx, 0):16 + min(dx, 0)]
                want[:, max(-dy, 0):16 + min(-dy, 0), max(-dx, 0):16 + min(-dx, 0)] = src
                found.append(torch.equal(b, want))
        assert sum(found) == 1
    assert not torch.equal(x, y)


def test_cutout_zeroes_one_half_size_square_and_keeps_the_rest():
    torch.manual_seed(1)
    x = torch.rand(32, 3, 16, 16) + 1
    y = _cutout(x)
    zero = (y == 0).all(dim=1)
    kept = ~zero
    assert torch.equal(y[kept.unsqueeze(1).expand_as(y)], x[kept.unsqueeze(1).expand_as(x)])
    areas = zero.flatten(1).sum(1)
    assert areas.max() == 64 and areas.min() >= 16  # 8x8 when inside, clipped at a border
    for z in zero:
        rows, cols = z.any(1).nonzero().flatten(), z.any(0).nonzero().flatten()
        assert z[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # one rectangle


def test_diffaug_is_twice_differentiable_for_r1():
    def augmented(x):
        torch.manual_seed(3)  # the same random transform at every evaluation
        return DiffAugment("color,translation,cutout")(x).square().sum(dim=[1, 2, 3])

    x = torch.rand(2, 3, 8, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(augmented, (x,))
    # R1 through DiffAugment reaches D's weights.
    D = Discriminator(0, 16, 3, channel_base=128, channel_max=16)
    img = torch.rand(4, 3, 16, 16, requires_grad=True)
    logits = D(DiffAugment("color,translation,cutout")(img), None)
    grads, = torch.autograd.grad(logits.sum(), img, create_graph=True)
    grads.square().sum().backward()
    assert D.b16.conv0.weight.grad is not None and D.b16.conv0.weight.grad.abs().sum() > 0


def test_pseudo_augment_replaces_reals_with_probability_p():
    real, fake = torch.zeros(1000, 1, 1, 1), torch.ones(1000, 1, 1, 1, requires_grad=True)
    apa = PseudoAugment(0.0)
    assert not apa.active()
    apa.p.fill_(0.3)
    mixed = apa(real, fake)
    assert 0.25 < mixed.mean() < 0.35 and not mixed.requires_grad  # fakes come in detached
    apa.p.fill_(1.0)
    assert torch.equal(apa(real, fake), fake.detach())


def test_apa_controller_raises_p_when_d_is_sure_of_the_reals():
    apa = PseudoAugment(0.0)
    ctl = AdaController(target=0.6, interval=1, ada_kimg=1, batch_size=10)
    for n in range(1, 6):
        ctl.observe(torch.ones(10))  # sign 1 on every real > target 0.6
        ctl.maybe_update(apa, n * 10)
    assert float(apa.p) == pytest.approx(0.05)


def _tiny_nets(res=16, fp16=0):
    G = Generator(16, 0, 16, res, 3, mapping_kwargs=dict(num_layers=2),
                  synthesis_kwargs=dict(channel_base=256, channel_max=32, num_fp16_res=fp16, conv_clamp=256))
    D = Discriminator(0, res, 3, channel_base=256, channel_max=32, num_fp16_res=fp16, conv_clamp=256)
    return G, D


def test_apa_in_the_loss_shows_d_fakes_as_reals_only_when_p_is_positive():
    torch.manual_seed(0)
    G, D = _tiny_nets()
    seen = []
    apa = PseudoAugment(0.0)
    loss = StyleGAN2Loss(G, D, r1_gamma=1, pseudo_augment=apa, on_real_logits=seen.append)
    real = torch.zeros(4, 3, 16, 16)
    z, c = torch.randn(4, 16), torch.zeros(4, 0)
    state = torch.get_rng_state()
    loss.accumulate("Dmain", real, c, z, c, gain=1)
    zero_p_draws = torch.get_rng_state()
    torch.set_rng_state(state)
    StyleGAN2Loss(G, D, r1_gamma=1).accumulate("Dmain", real, c, z, c, gain=1)
    assert torch.equal(zero_p_draws, torch.get_rng_state())  # p = 0: exactly the run without APA
    apa.p.fill_(1.0)
    shown = []
    D_forward = D.forward
    D.forward = lambda img, c: (shown.append(img.detach().clone()), D_forward(img, c))[1]
    loss.accumulate("Dmain", real, c, z, c, gain=1)
    assert torch.equal(shown[1], shown[0])  # the "reals" D saw are the fakes it just scored
    loss.accumulate("Dreg", real, c, z, c, gain=16)  # R1 through pseudo-augmented reals
    assert not torch.equal(shown[2], real) and loss.last["r1_penalty"] > 0


def test_bf16_blocks_run_on_the_cpu_forward_and_through_r1():
    torch.manual_seed(0)
    G, D = _tiny_nets(fp16=2)
    z = torch.randn(4, 16)
    with torch.no_grad():
        full = G(z, None, noise_mode="const")
        with mixed_precision_on_cpu():
            mixed = G(z, None, noise_mode="const")
    assert mixed.dtype == torch.float32 and torch.isfinite(mixed).all()
    assert not torch.equal(full, mixed)  # the bf16 path really ran...
    assert (full - mixed).abs().max() < 0.1 * full.abs().max()  # ...and computes the same function
    img = mixed.detach().requires_grad_(True)
    with mixed_precision_on_cpu():
        logits = D(img, None)
        grads, = torch.autograd.grad(logits.sum(), img, create_graph=True)
        grads.square().sum().backward()
    assert torch.isfinite(D.b16.conv0.weight.grad).all() and D.b16.conv0.weight.grad.abs().sum() > 0


def test_a_run_with_diffaug_and_apa_records_them_and_resumes(tmp_path, _imported_template):
    from curator.export.config import ExportConfig
    from curator.export.writer import export_manifest
    from curator.workspace import Workspace

    ws = Workspace(_imported_template)
    data = export_manifest(ws.manifests.load("latest"), ws.store, tmp_path / "d.zip",
                           ExportConfig(resolution=16, fit="crop")).path
    opts = options_from_preset("auto", 16, str(data), kimg=0.016, batch=4, tick_kimg=0.008, snap=1, channel_base=256,
                               channel_max=16, z_dim=16, w_dim=16, grid=(2, 2), diffaug="translation,color",
                               apa=True, apa_p=0.5, apa_kimg=1, apa_interval=1)
    assert opts.diffaug == "translation,color"
    run_dir = tmp_path / "run"
    train(opts, run_dir)
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["diffaug"], config["apa"], config["apa_target"]) == ("translation,color", True, 0.6)
    stats = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    assert all("apa_p" in s for s in stats) and stats[-1]["apa_p"] != 0.5  # p moved
    state = torch.load(run_dir / "resume.pt", weights_only=True)
    assert float(state["apa"]["p"]) == pytest.approx(stats[-1]["apa_p"])
    run = build_run(opts, torch.device("cpu"))
    assert [type(m).__name__ for m in (run.augment.diffaug, run.augment.apa)] == ["DiffAugment", "PseudoAugment"]
