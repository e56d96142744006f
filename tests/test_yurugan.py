"""YuruGAN's networks (shapes, spectral norm, projection and AC terms) and a tiny run with exact resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from trainers.yurugan.layers import sn_conv
from trainers.yurugan.loss import d_loss, g_loss
from trainers.yurugan.networks import Discriminator, Generator, num_blocks
from trainers.yurugan.options import YuruGANOptions

SMALL = dict(ch=8, ch_max=32)


pytestmark = pytest.mark.usefixtures("one_thread")  # bit-exact comparisons; see conftest


@pytest.mark.parametrize("shape, blocks, base", [((32, 32), 3, (4, 4)), ((36, 32), 2, (9, 8)), ((144, 128), 4, (9, 8))])
def test_layer_shapes_square_and_non_square(shape, blocks, base):
    torch.manual_seed(0)
    G = Generator(z_chunk=6, c_dim=3, img_resolution=shape, **SMALL)
    D = Discriminator(c_dim=3, img_resolution=shape, **SMALL)
    assert (num_blocks(*shape), G.base, G.num_ws, G.z_dim) == (blocks, base, blocks + 1, 6 * (blocks + 1))
    assert len(G.blocks) == blocks and len(D.blocks) == blocks + 1
    c = torch.eye(3)[[0, 1, 2, 1]]
    ws = G.mapping(torch.randn(4, G.z_dim), c)
    assert ws.shape == (4, blocks + 1, 6 + 3) and torch.equal(ws[:, :, 6:], c[:, None].expand(-1, blocks + 1, -1))
    img = G.synthesis(ws)
    assert img.shape == (4, 3, *shape) and img.abs().max() <= 1
    adv, cls = D(img, c)
    assert adv.shape == (4,) and cls.shape == (4, 3)
    # Attention sits at a middle resolution, not at the ends.
    assert 0 <= G.attn_after < blocks - 1 and G.attn.gamma.item() == 0
    assert G.attn.gamma.shape == () and D.attn_after < blocks


def test_every_generator_block_is_class_conditional():
    torch.manual_seed(0)
    G = Generator(z_chunk=4, c_dim=2, img_resolution=32, **SMALL).eval()
    z = torch.randn(1, G.z_dim)
    ws_a, ws_b = G.mapping(z, torch.tensor([[1.0, 0]])), G.mapping(z, torch.tensor([[0, 1.0]]))
    for i in range(1, G.num_ws):  # change the class seen by one block only
        mixed = ws_a.clone()
        mixed[:, i] = ws_b[:, i]
        assert not torch.allclose(G.synthesis(mixed), G.synthesis(ws_a)), f"block {i - 1} ignores the class"


def test_unsatisfiable_shapes_are_refused():
    with pytest.raises(ValueError, match="divisible"):
        num_blocks(33, 32)
    with pytest.raises(ValueError):
        YuruGANOptions(data="x.zip", height=31, width=32)


def test_spectral_norm_holds_the_largest_singular_value_near_one():
    torch.manual_seed(0)
    conv = sn_conv(16, 32)
    with torch.no_grad():
        conv.parametrizations.weight.original.mul_(5)
    x = torch.randn(2, 16, 8, 8)
    for _ in range(30):  # one power iteration per training forward
        conv(x)
    raw = conv.parametrizations.weight.original.detach().flatten(1)
    assert torch.linalg.matrix_norm(raw, ord=2) == pytest.approx(5, rel=1e-3)
    assert torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2) == pytest.approx(1, abs=1e-3)


def test_every_weight_layer_of_both_networks_is_spectrally_normalised():
    for net in (Generator(z_chunk=4, c_dim=2, img_resolution=32, **SMALL), Discriminator(c_dim=2, img_resolution=32, **SMALL)):
        for name, module in net.named_modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)) and name != "shared":
                assert hasattr(module, "parametrizations"), name


def test_projection_term_is_the_class_embedding_dotted_with_the_features():
    torch.manual_seed(0)
    D = Discriminator(c_dim=4, img_resolution=32, **SMALL).eval()
    x = torch.randn(3, 3, 32, 32)
    eye = torch.eye(4)
    h = D.features(x)
    out1, _ = D.heads(h, eye[[1, 1, 1]])
    out3, _ = D.heads(h, eye[[3, 3, 3]])
    E = D.embed.weight  # [C, c_dim], spectrally normalised
    assert torch.allclose(out1 - out3, h @ (E[:, 1] - E[:, 3]), atol=1e-4)
    unconditional, _ = D.heads(h, None)
    assert torch.allclose(out1 - unconditional, h @ E[:, 1], atol=1e-4)


def test_auxiliary_classifier_loss_on_reals_and_fakes():
    torch.manual_seed(0)
    D = Discriminator(c_dim=3, img_resolution=32, **SMALL)
    real, fake = torch.randn(4, 3, 32, 32), torch.randn(4, 3, 32, 32)
    real_c, fake_c = torch.eye(3)[[0, 1, 2, 0]], torch.eye(3)[[2, 2, 1, 0]]
    D.eval()  # no power iteration between the calls: the same D for every term
    loss1, stats = d_loss(D, real, real_c, fake, fake_c, ac_weight=1.0)
    loss0, _ = d_loss(D, real, real_c, fake, fake_c, ac_weight=0.0)
    _, cls_real = D(real, real_c)
    _, cls_fake = D(fake, fake_c)
    ce = F.cross_entropy(cls_real, real_c.argmax(1)) + F.cross_entropy(cls_fake, fake_c.argmax(1))
    assert (loss1 - loss0).item() == pytest.approx(ce.item(), rel=1e-5)
    assert stats["loss_D_class_real"] == pytest.approx(F.cross_entropy(cls_real, real_c.argmax(1)).item(), rel=1e-5)
    # The hinge terms: with D's outputs in hand, max(0, 1 - real) and max(0, 1 + fake).
    out_real, _ = D(real, real_c)
    out_fake, _ = D(fake, fake_c)
    assert loss0.item() == pytest.approx((F.relu(1 - out_real).mean() + F.relu(1 + out_fake).mean()).item(), rel=1e-5)
    # The classifier head learns only through the AC term.
    for weight, expect_grad in ((0.0, False), (1.0, True)):
        D.zero_grad(set_to_none=True)
        d_loss(D, real, real_c, fake, fake_c, ac_weight=weight)[0].backward()
        grad = D.classifier.parametrizations.weight.original.grad
        assert (grad is not None and grad.abs().sum() > 0) == expect_grad
    # G is pushed to be classified as the class it was asked for.
    G_loss1, g_stats = g_loss(D, fake, fake_c, 1.0)
    assert (G_loss1.item() - g_stats["loss_G"]) == pytest.approx(F.cross_entropy(cls_fake, fake_c.argmax(1)).item(), rel=1e-5)


# -- a tiny run on the sample corpus ----------------------------------------------------------------

TINY = dict(batch=4, tick_kimg=0.016, snap=2, ch=8, ch_max=32, z_chunk=8, shared_dim=16, grid=(3, 3), ema_kimg=0.05)


@pytest.fixture(scope="module")
def cond_set(tmp_path_factory, _imported_template) -> Path:
    from curator.export.config import ExportConfig
    from curator.export.writer import export_manifest
    from curator.workspace import Workspace

    ws = Workspace(_imported_template)
    manifest = ws.manifests.load("latest")
    for i, item in enumerate(manifest.kept()):
        item.label = f"class{i % 3}"
    out = tmp_path_factory.mktemp("sets") / "cond.zip"
    return export_manifest(manifest, ws.store, out, ExportConfig(resolution=32, fit="crop"), cond=True).path


def tiny(data: Path, kimg: float, **kw) -> YuruGANOptions:
    return YuruGANOptions(data=str(data), height=32, width=32, c_dim=3, kimg=kimg, device="cpu", **{**TINY, **kw})


@pytest.fixture(scope="module")
def run_a(tmp_path_factory, cond_set) -> Path:
    from trainers.yurugan.training_loop import train

    run_dir = tmp_path_factory.mktemp("runs") / "A"
    counters = train(tiny(cond_set, 0.08), run_dir)
    assert (counters.cur_nimg, counters.batch_idx) == (80, 20)
    return run_dir


def test_tiny_run_writes_snapshot_grid_stats_and_plots(run_a):
    from PIL import Image

    meta = json.loads((run_a / "network-snapshot-000000.json").read_text())
    assert meta["format"] == "curator-yurugan/1" and meta["cur_nimg"] == 80
    assert meta["class_names"] == ["class0", "class1", "class2"] and meta["manifest_id"]
    assert Image.open(run_a / "fakes000000.png").size == (96, 96)
    stats = [json.loads(line) for line in (run_a / "stats.jsonl").read_text().splitlines()]
    assert [s["tick"] for s in stats] == list(range(6)) and stats[-1]["kimg"] == pytest.approx(0.08)
    for key in ("loss_G", "loss_D_real", "loss_D_fake", "loss_D_class_real", "loss_G_class", "class_acc_real"):
        assert key in stats[-1] and torch.isfinite(torch.tensor(stats[-1][key])), key
    assert {p.name for p in (run_a / "plots").glob("*.png")} >= {"losses.png", "classifier.png"}
    config = json.loads((run_a / "config.json").read_text())
    assert (config["model"], config["dlr"], config["glr"], config["d_steps"]) == ("yurugan", 5e-4, 2e-5, 2)


def test_two_d_steps_per_g_step(cond_set, tmp_path, monkeypatch):
    from trainers.yurugan import training_loop

    calls = []
    for name in ("d_loss", "g_loss"):
        real = getattr(training_loop, name)
        monkeypatch.setattr(training_loop, name, lambda *a, _n=name, _f=real, **k: (calls.append(_n), _f(*a, **k))[1])
    training_loop.train(tiny(cond_set, 0.024, tick_kimg=1), tmp_path / "r")
    assert calls == ["d_loss", "d_loss", "g_loss"] * 3


def test_resume_after_a_kill_matches_an_uninterrupted_run_bit_for_bit(run_a, cond_set, tmp_path):
    from trainers.yurugan.training_loop import train

    run_b = tmp_path / "B"

    def kill(record: dict) -> None:
        if record["tick"] == 3:  # after the snapshot at tick 2, mid-run
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny(cond_set, 0.08), run_b, on_tick=kill)
    assert json.loads((run_b / "stats.jsonl").read_text().splitlines()[-1])["tick"] == 3
    resumed = train(tiny(cond_set, 0.08), run_b)
    assert (resumed.cur_nimg, resumed.batch_idx) == (80, 20)
    a = load_file(str(run_a / "network-snapshot-000000.safetensors"))
    b = load_file(str(run_b / "network-snapshot-000000.safetensors"))
    assert a.keys() == b.keys() and any("_u" in k for k in a) and any("running_mean" in k for k in a)
    assert all(torch.equal(a[k], b[k]) for k in a)
    ticks = [json.loads(line)["tick"] for line in (run_b / "stats.jsonl").read_text().splitlines()]
    assert ticks == list(range(6))


def test_resume_after_sigkill_matches_an_uninterrupted_run_bit_for_bit(run_a, cond_set, tmp_path):
    """A real kill -9 of the training process (no exception handlers, no atexit) right after a tick."""
    import os
    import subprocess
    import sys

    from trainers.yurugan.training_loop import train

    run_b = tmp_path / "B"
    script = tmp_path / "killed.py"
    script.write_text(f"""
import os, signal, torch
torch.set_num_threads(1)
from trainers.yurugan.options import YuruGANOptions
from trainers.yurugan.training_loop import train
def kill(record):
    if record["tick"] == 3:  # after the snapshot at tick 2, mid-run
        os.kill(os.getpid(), signal.SIGKILL)
opts = YuruGANOptions(data=r"{cond_set}", height=32, width=32, c_dim=3, kimg=0.08, device="cpu", **{TINY!r})
train(opts, __import__("pathlib").Path(r"{run_b}"), on_tick=kill)
""")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == -9, done.stderr[-3000:]
    resumed = train(tiny(cond_set, 0.08), run_b)
    assert (resumed.cur_nimg, resumed.batch_idx) == (80, 20)
    a = load_file(str(run_a / "network-snapshot-000000.safetensors"))
    b = load_file(str(run_b / "network-snapshot-000000.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_generator_loads_and_makes_each_class(run_a):
    from trainers.yurugan.checkpoint import load_generator

    G = load_generator(run_a)
    assert not G.training and (G.img_resolution, G.c_dim) == (32, 3)
    z = torch.randn(1, G.z_dim).expand(3, -1)
    img = G(z, torch.eye(3))
    assert img.shape == (3, 3, 32, 32) and torch.isfinite(img).all()
    assert not torch.allclose(img[0], img[1]) and not torch.allclose(img[1], img[2])


def test_non_square_training_set_trains_and_makes_non_square_images(tmp_path):
    import numpy as np
    from PIL import Image

    from trainers.yurugan.checkpoint import load_generator
    from trainers.yurugan.training_loop import train

    data = tmp_path / "set"
    data.mkdir()
    rng = np.random.default_rng(0)
    labels = []
    for i in range(8):
        Image.fromarray(rng.integers(0, 256, (36, 32, 3), dtype=np.uint8)).save(data / f"img{i}.png")
        labels.append([f"img{i}.png", i % 2])
    (data / "dataset.json").write_text(json.dumps({"labels": labels}))
    opts = YuruGANOptions(data=str(data), height=36, width=32, c_dim=2, kimg=0.008, device="cpu",
                          **{**TINY, "grid": (2, 2)})
    train(opts, tmp_path / "run")
    G = load_generator(tmp_path / "run")
    assert G.img_resolution == (36, 32) and G(torch.randn(2, G.z_dim), torch.eye(2)).shape == (2, 3, 36, 32)
    assert Image.open(tmp_path / "run" / "fakes000000.png").size == (64, 72)


def test_two_processes_under_torchrun_train_in_step(cond_set, tmp_path):
    """torchrun with the gloo backend on the CPU: both ranks end with the same weights."""
    import os
    import subprocess
    import sys

    script = tmp_path / "ddp.py"
    script.write_text(f"""
import os, torch
torch.set_num_threads(1)
from trainers.yurugan.options import YuruGANOptions
from trainers.yurugan import training_loop
seen = {{}}
real_train = training_loop._loop
def loop(run, *a, **k):
    out = real_train(run, *a, **k)
    torch.save({{k: v for k, v in run.G.state_dict().items()}}, r"{tmp_path}/G-%s.pt" % os.environ["RANK"])
    return out
training_loop._loop = loop
opts = YuruGANOptions(data=r"{cond_set}", height=32, width=32, c_dim=3, kimg=0.016, device="cpu", batch=4, tick_kimg=1,
                      snap=1, ch=8, ch_max=32, z_chunk=8, shared_dim=16, grid=(2, 2))
training_loop.train(opts, __import__("pathlib").Path(r"{tmp_path}/run"))
""")
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", str(script)], capture_output=True,
                          text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    g0, g1 = (torch.load(tmp_path / f"G-{r}.pt") for r in (0, 1))
    weights = [k for k in g0 if "running" not in k and "num_batches" not in k]  # BN statistics are per rank
    assert all(torch.equal(g0[k], g1[k]) for k in weights)
    assert (tmp_path / "run" / "network-snapshot-000000.safetensors").is_file()


@pytest.mark.parametrize("change, message", [({"ch_max": 10 ** 9}, "ch_max"), ({"img_resolution": [33, 32]}, "divisible"),
                                             ({"evil": 1}, "evil")])
def test_snapshot_arguments_are_checked_before_a_network_is_built(run_a, tmp_path, change, message):
    import shutil

    from trainers.errors import TrainerError
    from trainers.yurugan.checkpoint import load_generator

    for suffix in (".safetensors", ".json"):
        shutil.copy(run_a / f"network-snapshot-000000{suffix}", tmp_path / f"network-snapshot-000000{suffix}")
    meta_path = tmp_path / "network-snapshot-000000.json"
    meta = json.loads(meta_path.read_text())
    meta["G_kwargs"].update(change)
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(TrainerError, match=message):
        load_generator(tmp_path)
