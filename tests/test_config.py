import tomllib

import pytest

from curator.config import CuratorConfig, load_config, render_toml
from curator.errors import CuratorError


def test_rendered_toml_parses_back_to_the_defaults(tmp_path):
    text = render_toml(CuratorConfig())
    assert "# Images with more pixels" in text
    path = tmp_path / "curator.toml"
    path.write_text(text)
    assert load_config(path) == CuratorConfig()
    assert tomllib.loads(text)["import"]["max_pixels"] == CuratorConfig().import_.max_pixels


def test_unknown_key_is_one_clear_error(tmp_path):
    path = tmp_path / "curator.toml"
    path.write_text("[import]\nmax_pixls = 3\n")
    with pytest.raises(CuratorError, match="import.max_pixls"):
        load_config(path)


def test_flat_cluster_keys_of_older_files_keep_their_meaning(tmp_path):
    path = tmp_path / "curator.toml"
    path.write_text('[cluster]\nembedder = "resnet50"\nimage_size = 320\nclip_model = "RN50"\npixels_size = 16\ncheckpoint = "w.pth"\n')
    cluster = load_config(path).cluster
    assert cluster.embedder_section() == cluster.resnet50
    assert (cluster.resnet50.image_size, cluster.sobel.image_size, cluster.torchvision.image_size) == (320, 320, 320)
    assert (cluster.clip.model, cluster.pixels.size, cluster.resnet50.checkpoint, cluster.clip.checkpoint) == ("RN50", 16, "w.pth", "w.pth")
    # The init-written files of before held every key at its default, whatever the embedder: still fine.
    path.write_text('[cluster]\nembedder = "clip"\nimage_size = 224\nsobel_backbone = "resnet50"\n')
    assert load_config(path) == CuratorConfig()
    # image_size was documented for CLIP and silently dropped there; now it is one clear line.
    path.write_text('[cluster]\nembedder = "clip"\nimage_size = 336\n')
    with pytest.raises(CuratorError, match=r"cluster: image_size = 336 is for the resnet50, sobel, torchvision embedders, not for 'clip'"):
        load_config(path)


def test_an_embedder_reads_only_its_own_section(tmp_path):
    path = tmp_path / "curator.toml"
    path.write_text('[cluster]\nembedder = "torchvision:resnet18"\n[cluster.torchvision]\nimage_size = 160\n[cluster.pixels]\nsize = 8\n')
    cluster = load_config(path).cluster
    assert cluster.embedder_section() == cluster.torchvision and cluster.torchvision.image_size == 160
    path.write_text('[cluster.clip]\nimage_size = 336\n')  # CLIP's input size is the model's own
    with pytest.raises(CuratorError, match="cluster.clip.image_size"):
        load_config(path)
