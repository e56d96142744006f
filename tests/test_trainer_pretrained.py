"""`--transfer NAME`: fetched once (resumed when cut off, checked), architecture from the source, an account of the copy.

A local HTTP server stands in for NVIDIA's download site ($CURATOR_WEIGHTS_MIRROR); nothing is
fetched from the network.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from pathlib import Path

import pytest
import torch

from fakesites.proxy import LocalServer, QuietHandler
from test_eval_cli import _dataset_zip
from test_trainer_tf_pkl import RES, Z, _nets, tf_discriminator, tf_generator, tf_module  # noqa: F401 (fixture)
from trainers.errors import TrainerError
from trainers.stylegan2 import pretrained
from trainers.stylegan2.checkpoint import save_snapshot
from trainers.stylegan2.networks import Discriminator, Generator
from trainers.stylegan2.options import options_from_preset
from trainers.stylegan2.pretrained import PRETRAINED, PretrainedNetwork, fetch, resolve_source
from trainers.stylegan2.training_loop import build_networks_reported


class Server(LocalServer):
    """Serves `files` with Range support; `cut_after` bytes, the first response stops short."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.requests, self.cut_after = files, [], None
        super().__init__()

    def _handler(self) -> type[QuietHandler]:
        owner = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.0"  # the connection closes after each reply, so a cut body ends the read

            def do_GET(self):  # noqa: N802
                name = self.path.lstrip("/")
                owner.requests.append((name, self.headers.get("Range")))
                data = owner.files.get(name)
                if data is None:
                    self.send_error(404)
                    return
                start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if owner.cut_after is not None:
                    body, owner.cut_after = body[:owner.cut_after], None
                self.wfile.write(body)

        return Handler


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("CURATOR_CACHE", str(tmp_path / "cache"))
    with Server({}) as srv:
        monkeypatch.setenv("CURATOR_WEIGHTS_MIRROR", srv.url)
        yield srv


def test_every_official_name_is_known():
    names = set(PRETRAINED.names())
    assert {"ffhq256", "ffhq512", "ffhq1024", "celebahq256", "lsundog256", "afhqcat", "afhqdog", "afhqwild",
            "metfaces", "brecahad", "cifar10"} <= names
    assert PRETRAINED.get("ffhq256").url.endswith("transfer-learning-source-nets/ffhq-res256-mirror-paper256-noaug.pkl")
    assert all(PRETRAINED.get(n).url.startswith("https://nvlabs-fi-cdn.nvidia.com/") for n in names)


def test_download_resumes_records_its_checksum_and_is_checked_after(server):
    payload = bytes(range(256)) * 4000  # ~1 MB: more than one read chunk
    server.files["cifar10.pkl"] = payload
    server.cut_after = 300_000
    seen = []
    with pytest.raises(TrainerError, match="run the command again to continue"):
        resolve_source("cifar10", progress=lambda done, total: seen.append((done, total)))
    part = pretrained.networks_dir() / "cifar10.pkl.part"
    assert part.stat().st_size == 300_000
    path = resolve_source("cifar10", progress=lambda done, total: seen.append((done, total)))
    assert server.requests[-1] == ("cifar10.pkl", "bytes=300000-")  # continued, not started again
    assert path.read_bytes() == payload and not part.exists()
    assert seen[-1] == (len(payload), len(payload)) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    known = json.loads((pretrained.networks_dir() / "known.json").read_text())
    assert known[PRETRAINED.get("cifar10").url] == {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    n = len(server.requests)
    assert resolve_source("cifar10") == path and len(server.requests) == n  # cached: no request
    path.write_bytes(payload[:-1] + b"\x00")  # swapped behind the same name
    with pytest.raises(TrainerError, match="sha256"):
        resolve_source("cifar10")


def test_a_recorded_size_or_checksum_that_does_not_match_is_refused_and_not_kept(server):
    server.files["net.pkl"] = b"x" * 1000
    entry = PretrainedNetwork("net", "https://example.invalid/net.pkl", "test", size=1000, sha256="0" * 64)
    with pytest.raises(TrainerError, match="sha256"):
        fetch(entry)
    assert not list(pretrained.networks_dir().glob("net.pkl*"))
    with pytest.raises(TrainerError, match="1000 bytes, expected 999"):
        fetch(PretrainedNetwork("net", "https://example.invalid/net.pkl", "test", size=999,
                                sha256=hashlib.sha256(b"x" * 1000).hexdigest()))
    good = PretrainedNetwork("net", "https://example.invalid/net.pkl", "test", size=1000,
                             sha256=hashlib.sha256(b"x" * 1000).hexdigest())
    assert fetch(good).read_bytes() == b"x" * 1000


def test_unknown_name_says_which_names_exist(server):
    with pytest.raises(TrainerError, match="not a known network.*ffhq256"):
        resolve_source("ffhq999")


G_SRC = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3, mapping_kwargs={"num_layers": 4},
             synthesis_kwargs={"channel_base": 256, "channel_max": 32})
D_SRC = dict(c_dim=0, img_resolution=16, img_channels=3, channel_base=256, channel_max=32)


@pytest.fixture
def source(tmp_path) -> Path:
    torch.manual_seed(0)
    G, D = Generator(**G_SRC), Discriminator(**D_SRC)
    stem = tmp_path / "src" / "network-snapshot-000000"
    stem.parent.mkdir()
    save_snapshot(stem, {"G": G, "D": D, "G_ema": G}, {"G": G_SRC, "D": D_SRC}, {"cur_nimg": 0, "options": {}})
    return stem.with_suffix(".safetensors")


def test_architecture_comes_from_the_source_so_every_layer_is_copied(source):
    # auto at 16 px would use 2 mapping layers and 512 channels; the source has 4 layers and 32 channels.
    opts = options_from_preset("auto", 16, "unused.zip", transfer=str(source), batch=4)
    assert (opts.map_layers, opts.channel_base, opts.channel_max, opts.z_dim) == (4, 256, 32, 16)
    G, D, _, report = build_networks_reported(opts, torch.device("cpu"))
    assert report.G.copied == report.G.total == len(G.state_dict()) and not report.G.fresh
    assert report.D.copied == report.D.total == len(D.state_dict())
    assert report.summary() == f"transfer: copied {report.G.total} of {report.G.total} G tensors, " \
                               f"{report.D.total} of {report.D.total} D tensors"
    from safetensors.torch import load_file

    assert torch.equal(G.state_dict()["mapping.fc3.weight"], load_file(str(source))["G_ema.mapping.fc3.weight"])


def test_a_mismatched_override_is_refused_naming_the_mismatch_unless_partial(source):
    opts = options_from_preset("auto", 16, "unused.zip", transfer=str(source), batch=4, channel_max=16)
    with pytest.raises(TrainerError, match=r"untrained.*source \[32.*here \[16.*--transfer-partial"):
        build_networks_reported(opts, torch.device("cpu"))
    _, _, _, report = build_networks_reported(opts.model_copy(update={"transfer_partial": True}), torch.device("cpu"))
    assert 0 < report.G.copied < report.G.total and report.G.mismatches


def test_cli_transfer_by_name_from_a_tf_era_pickle(server, tmp_path, tf_module, cli):  # noqa: F811
    G, D, Gs = _nets()
    buf = io.BytesIO()
    pickle.dump((tf_generator(G), tf_discriminator(D), tf_generator(Gs)), buf, protocol=3)
    server.files["afhqcat.pkl"] = buf.getvalue()  # what `--transfer afhqcat` downloads, here a tiny TF-era pickle
    data = _dataset_zip(tmp_path / "train.zip", 8, RES)
    ws = tmp_path / "ws"
    base = ["-w", str(ws), "train", str(data), "--transfer", "afhqcat", "--kimg", "0.004", "--batch", "4",
            "--tick", "0.004", "--snap", "1", "--device", "cpu", "--workers", "0", "--aug", "noaug"]
    code, out, err = cli(base + ["--channel-max", "16", "--out", str(tmp_path / "r0")])
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "untrained" in err and "--transfer-partial" in err
    code, out, err = cli(base + ["--out", str(tmp_path / "r1")])
    assert code == 0, err
    total_g, total_d = len(Gs.state_dict()), len(D.state_dict())
    assert f"transfer: copied {total_g} of {total_g} G tensors, {total_d} of {total_d} D tensors" in out
    config = json.loads((tmp_path / "r1" / "config.json").read_text())
    assert (config["map_layers"], config["channel_base"], config["z_dim"]) == (3, 256, Z)
    assert config["transfer"].endswith("afhqcat.pkl")
    assert json.loads((tmp_path / "r1" / "transfer.json").read_text())["G"]["copied"] == total_g
    code, out, err = cli(base + ["--channel-max", "16", "--transfer-partial", "--out", str(tmp_path / "r2")])
    assert code == 0, err
    assert f"of {total_g} G tensors" in out and f"copied {total_g} of" not in out
    assert [r for r in server.requests if r[0] == "afhqcat.pkl"] == [("afhqcat.pkl", None)]  # fetched once
